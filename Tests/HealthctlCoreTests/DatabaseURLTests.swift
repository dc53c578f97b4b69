import HealthctlCore
import Testing

@Suite struct DatabaseURLTests {
    @Test func prismaParametersAreRemovedAndSchemaKept() throws {
        let url = try DatabaseURL(parsing: "postgresql://user:pass@host:5432/app?schema=tenant&connection_limit=5&sslmode=require")
        #expect(url.schema == "tenant")
        #expect(url.libpqParameters.map(\.key) == ["host", "port", "user", "password", "dbname", "sslmode"])
        #expect(url.removedParameters == ["schema", "connection_limit"])
    }
}
