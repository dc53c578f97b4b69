import HealthctlCore
import Testing

@Suite struct DotEnvTests {
    @Test func plainValuesCommentsAndExport() {
        let values = DotEnv.parse("""
            # Environment variables declared in this file are available to Prisma.
            DATABASE_URL=postgresql://app:pw@db:5432/app?schema=public
            export SHADOW_URL=postgresql://shadow
            export\tTABBED=yes
              INDENTED = spaced value
            NODE_ENV=production # inline comment
            HASH_IN_VALUE=abc#def
            EMPTY=
            EQUALS=a=b=c
            not a line
            =novalue
            bad key=1
            """)
        #expect(values["DATABASE_URL"] == "postgresql://app:pw@db:5432/app?schema=public")
        #expect(values["SHADOW_URL"] == "postgresql://shadow")
        #expect(values["TABBED"] == "yes")
        #expect(values["INDENTED"] == "spaced value")
        #expect(values["NODE_ENV"] == "production")
        #expect(values["HASH_IN_VALUE"] == "abc#def")
        #expect(values["EMPTY"] == "")
        #expect(values["EQUALS"] == "a=b=c")
        #expect(values.count == 8)
        #expect(DotEnv.parse("TRAILING=value \t ") == ["TRAILING": "value"])
    }

    @Test func quotedValues() {
        let values = DotEnv.parse("""
            DOUBLE="postgresql://u:p w#x@h/db" # comment after the quote
            SINGLE_RAW='raw \\n stays'
            BACKTICK=`has "double" and 'single'`
            DOUBLE_ESCAPES="line1\\nline2\\rend"
            ESCAPED_QUOTE="say \\"hi\\""
            EMPTY_DOUBLE=""
            EMPTY_SINGLE=''
            SPACES="  kept  "
            """)
        #expect(values["DOUBLE"] == "postgresql://u:p w#x@h/db")
        #expect(values["SINGLE_RAW"] == "raw \\n stays")
        #expect(values["BACKTICK"] == "has \"double\" and 'single'")
        #expect(values["DOUBLE_ESCAPES"] == "line1\nline2\rend")
        #expect(values["ESCAPED_QUOTE"] == "say \\\"hi\\\"")
        #expect(values["EMPTY_DOUBLE"] == "")
        #expect(values["EMPTY_SINGLE"] == "")
        #expect(values["SPACES"] == "  kept  ")
    }

    @Test func multiLineQuotedValues() {
        let values = DotEnv.parse("""
            CERT="-----BEGIN CERTIFICATE-----
            MIIB
            -----END CERTIFICATE-----"
            AFTER=1
            KEY='a
            b'
            """)
        #expect(values["CERT"] == "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----")
        #expect(values["AFTER"] == "1")
        #expect(values["KEY"] == "a\nb")
    }

    @Test func anUnclosedQuoteDoesNotSwallowTheRestOfTheFile() {
        let values = DotEnv.parse("BROKEN=\"no end\nDATABASE_URL=postgresql://h/db\n")
        #expect(values["BROKEN"] == "\"no end")
        #expect(values["DATABASE_URL"] == "postgresql://h/db")
    }

    @Test func windowsAndOldMacLineEndsAndAByteOrderMark() {
        let values = DotEnv.parse("\u{FEFF}A=1\r\nB=\"two\r\nlines\"\r\nC=3\rD=4\r\n")
        #expect(values == ["A": "1", "B": "two\nlines", "C": "3", "D": "4"])
    }

    @Test func aLaterKeyWins() {
        #expect(DotEnv.parse("A=1\nA=2\n") == ["A": "2"])
    }

    @Test func curlyBraceReferencesExpandLikePrisma() {
        let text = """
            DB_USER=app
            DB_PASSWORD=pa$$word
            BASE=postgresql://${DB_USER}:${DB_PASSWORD}@${DB_HOST}/app
            DATABASE_URL=${BASE}?schema=${SCHEMA}
            LITERAL=\\${DB_USER} and $DB_USER
            MISSING=[${NOT_SET}]
            SELF=${SELF}x
            """
        let values = DotEnv.parse(text, environment: ["DB_HOST": "db.internal", "DB_USER": "from_env", "SCHEMA": "tenant"])
        #expect(values["DATABASE_URL"] == "postgresql://from_env:pa$$word@db.internal/app?schema=tenant")
        #expect(values["LITERAL"] == "${DB_USER} and $DB_USER")
        #expect(values["MISSING"] == "[]")
        #expect(values["SELF"]?.hasSuffix("x") == true)
    }

    @Test func withoutAnEnvironmentReferencesUseTheFile() {
        let values = DotEnv.parse("HOST=db\nURL=postgresql://${HOST}/app\n")
        #expect(values["URL"] == "postgresql://db/app")
    }
}
