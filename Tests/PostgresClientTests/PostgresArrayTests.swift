import PostgresClient
import Testing

@Suite struct PostgresArrayTests {
    @Test func arrayLiteralsQuoteEverything() {
        #expect(PostgresArray.literal(["a", "b\"c", "d\\e", "{x,y}"]) == #"{"a","b\"c","d\\e","{x,y}"}"#)
        #expect(PostgresArray.literal([String?.none, "x"]) == #"{NULL,"x"}"#)
        #expect(PostgresArray.literal([]) == "{}")
        #expect(["a", nil].postgresText == #"{"a",NULL}"#, "an array parameter is its literal")
    }
}
