import HealthctlCore
import Testing

@Suite struct DatabaseURLTests {
    /// The URL's libpq parameters as `key=value` strings, in order.
    func pairs(_ text: String) throws -> [String] {
        try DatabaseURL(parsing: text).libpqParameters.map { "\($0.key)=\($0.value)" }
    }

    @Test func prismaParametersAreRemovedAndSchemaKept() throws {
        let url = try DatabaseURL(parsing: "postgresql://user:pass@host:5432/app?schema=tenant&connection_limit=5&sslmode=require")
        #expect(url.schema == "tenant")
        #expect(url.libpqParameters.map(\.key) == ["host", "port", "user", "password", "dbname", "sslmode"])
        #expect(url.removedParameters == ["schema", "connection_limit"])
    }

    @Test func everyPrismaOnlyParameterIsRemovedAndLibpqOnesKept() throws {
        let url = try DatabaseURL(parsing:
            "postgresql://app:s3cret@db.internal:5432/app?schema=public&connection_limit=5&pool_timeout=10"
            + "&pgbouncer=true&socket_timeout=30&sslmode=verify-full&sslrootcert=/etc/ssl/ca.pem"
            + "&connect_timeout=7&application_name=dashboard&statement_cache_size=0")
        #expect(url.schema == "public")
        #expect(url.removedParameters == ["schema", "connection_limit", "pool_timeout", "pgbouncer", "socket_timeout", "statement_cache_size"])
        #expect(url.libpqParameters.map { "\($0.key)=\($0.value)" } == [
            "host=db.internal", "port=5432", "user=app", "password=s3cret", "dbname=app",
            "sslmode=verify-full", "sslrootcert=/etc/ssl/ca.pem", "connect_timeout=7", "application_name=dashboard",
        ])
    }

    @Test func schemaDefaultsToPublic() throws {
        #expect(try DatabaseURL(parsing: "postgresql://h/db").schema == "public")
        #expect(try DatabaseURL(parsing: "postgresql://h/db?schema=tenant_a").schema == "tenant_a")
        #expect(try DatabaseURL(parsing: "postgresql://h/db?schema=Tenant%20A").schema == "Tenant A")
    }

    @Test func percentEncodingIsDecodedInEveryPart() throws {
        #expect(try pairs("postgresql://app%20user:p%40ss%3Aw%2Fd@db.internal/my%2Ddb%20x") == [
            "host=db.internal", "user=app user", "password=p@ss:w/d", "dbname=my-db x",
        ])
        #expect(try pairs("postgresql://u:%F0%9F%94%91%25%23%3F@h/d") == ["host=h", "user=u", "password=🔑%#?", "dbname=d"])
        #expect(try pairs("postgresql://h/d?application_name=my+app%2Bx&options=-c%20search_path%3Dx") == [
            "host=h", "dbname=d", "application_name=my app+x", "options=-c search_path=x",
        ])
    }

    @Test func anUnencodedAtSignInThePasswordStillSplitsAtTheLastOne() throws {
        #expect(try pairs("postgresql://u:p@ss@h/d") == ["host=h", "user=u", "password=p@ss", "dbname=d"])
    }

    @Test func ipv6HostsGoInBrackets() throws {
        #expect(try pairs("postgresql://u@[::1]:5433/db") == ["host=::1", "port=5433", "user=u", "dbname=db"])
        #expect(try pairs("postgresql://[2001:db8::1]/db") == ["host=2001:db8::1", "dbname=db"])
        #expect(try pairs("postgresql://[fe80::1%25eth0]:5432/db") == ["host=fe80::1%eth0", "port=5432", "dbname=db"])
    }

    @Test func multipleHostsKeepTheirPortsInOrder() throws {
        #expect(try pairs("postgresql://u@primary:5432,replica,[::1]:5434/db?target_session_attrs=read-write") == [
            "host=primary,replica,::1", "port=5432,,5434", "user=u", "dbname=db", "target_session_attrs=read-write",
        ])
        #expect(try pairs("postgresql://a,b/db") == ["host=a,b", "dbname=db"])
    }

    @Test func unixSocketsComeAsAHostParameterOrAnEncodedPath() throws {
        #expect(try pairs("postgresql:///app?host=/var/run/postgresql") == ["dbname=app", "host=/var/run/postgresql"])
        #expect(try pairs("postgresql://%2Fvar%2Frun%2Fpostgresql/app") == ["host=/var/run/postgresql", "dbname=app"])
        #expect(try pairs("postgresql://u@/app?host=%2Ftmp&port=5433") == ["user=u", "dbname=app", "host=/tmp", "port=5433"])
    }

    @Test func queryParametersOverrideTheAuthority() throws {
        #expect(try pairs("postgresql://u@h:5432/db?port=6543&user=other") == ["host=h", "port=6543", "user=other", "dbname=db"])
    }

    @Test func missingPartsAreLeftToLibpq() throws {
        #expect(try pairs("postgresql://host") == ["host=host"])
        #expect(try pairs("postgresql://host/") == ["host=host"])
        #expect(try pairs("postgresql://host/db") == ["host=host", "dbname=db"])
        #expect(try pairs("postgresql://user@host") == ["host=host", "user=user"])
        #expect(try pairs("postgresql://user:@host/db") == ["host=host", "user=user", "password=", "dbname=db"])
        #expect(try pairs("postgresql://:5433/db") == ["port=5433", "dbname=db"])
        #expect(try pairs("postgresql:///db") == ["dbname=db"])
        #expect(try pairs("postgres://") == [])
        #expect(try pairs("  POSTGRESQL://h/db  ") == ["host=h", "dbname=db"])
        #expect(try DatabaseURL(parsing: "postgresql:///db").removedParameters == [])
    }

    static let secret = "hunter2Secret"

    static let malformed: [(String, DatabaseURLError)] = [
        ("mysql://u:\(secret)@h/db", .unsupportedScheme("mysql")),
        ("u:\(secret)@h://x", .notAURL),
        ("u:\(secret)@h/db", .notAURL),
        ("", .notAURL),
        ("postgresql://u:\(secret)/x@h/db", .badPort(secret)),
        ("postgresql://u:\(secret)@h:0/db", .badPort("0")),
        ("postgresql://u:\(secret)@h:65536/db", .badPort("65536")),
        ("postgresql://u:\(secret)@h:54x2/db", .badPort("54x2")),
        ("postgresql://u:\(secret)%zz@h/db", .badPercentEncoding(part: "password")),
        ("postgresql://u%:\(secret)@h/db", .badPercentEncoding(part: "user name")),
        ("postgresql://u:\(secret)@h/d%g1", .badPercentEncoding(part: "database name")),
        ("postgresql://u:\(secret)@[::1/db", .badHost("[::1")),
        ("postgresql://u:\(secret)@[::1]x/db", .badHost("[::1]x")),
        ("postgresql://u:\(secret)@h/db?schema=", .emptySchema),
    ]

    @Test(arguments: malformed)
    func malformedURLsFailWithoutEchoingThePassword(_ text: String, _ expected: DatabaseURLError) {
        #expect(throws: expected) { try DatabaseURL(parsing: text) }
        #expect(!expected.description.contains(Self.secret))
        #expect(!expected.description.contains("hunter2"))
        #expect(expected.category == .usage)
    }

    @Test func portErrorsQuoteOnlyNumbers() {
        #expect(DatabaseURLError.badPort("70000").description == "database URL has an invalid port 70000 (1 to 65535)")
        #expect(!DatabaseURLError.badPort("pa55word").description.contains("pa55word"))
    }

    @Test(arguments: [
        ("postgresql://app:s3cret@db:5432/app?schema=public", "postgresql://app:****@db:5432/app?schema=public"),
        ("postgresql://app:p%40ss@[::1]:5432/app", "postgresql://app:****@[::1]:5432/app"),
        ("postgresql://app:pa/ss?w@rd@db/app", "postgresql://app:****@db/app"),
        ("postgresql://app@db/app", "postgresql://app@db/app"),
        ("postgresql://db:5432/app", "postgresql://db:5432/app"),
        ("postgresql:///app?user=u&password=s3cret&sslmode=require", "postgresql:///app?user=u&password=****&sslmode=require"),
        ("postgresql://u:a@h/d?sslpassword=k3y&PASSWORD=x#frag", "postgresql://u:****@h/d?sslpassword=****&PASSWORD=****#frag"),
        ("host=db password=s3cret", "host=db password=****"),
    ])
    func redactionHidesPasswords(_ text: String, _ expected: String) {
        #expect(DatabaseURL.redacted(text) == expected)
    }
}
