import Foundation
import Foundation

/// A `DATABASE_URL` as Prisma writes it, split into what libpq understands and what only Prisma does.
///
/// `postgresql://user:p%40ss@[::1]:5432/app?schema=tenant&connection_limit=5&sslmode=require`
/// becomes libpq parameters `host=::1 port=5432 user=user password=p@ss dbname=app sslmode=require`
/// and the PostgreSQL schema `tenant`. Prisma's own query parameters never reach libpq.
public struct DatabaseURL: Sendable, Equatable {
    /// libpq keyword/value pairs, in a stable order. Parts missing from the URL are absent, so
    /// libpq falls back to `PGHOST`, `PGUSER`, `~/.pgpass` and so on.
    public var libpqParameters: [KeyValue]
    /// The PostgreSQL schema holding the tables (Prisma's `?schema=`), `public` when absent.
    public var schema: String
    /// Prisma-only parameters that were removed, by name.
    public var removedParameters: [String]

    public struct KeyValue: Sendable, Equatable {
        public var key: String
        public var value: String
        public init(_ key: String, _ value: String) {
            self.key = key
            self.value = value
        }
    }

    /// Query parameters Prisma understands and libpq does not; removed before connecting.
    public static let prismaOnlyParameters: Set<String> = [
        "schema", "connection_limit", "pool_timeout", "pgbouncer", "socket_timeout", "statement_cache_size",
        "connect_timeout_ms", "sslidentity", "sslpassword", "sslaccept", "single_use_connections", "max_idle_connection_lifetime",
        "max_connection_lifetime", "options_prisma",
    ]

    public static let defaultSchema = "public"

    public init(libpqParameters: [KeyValue], schema: String = DatabaseURL.defaultSchema, removedParameters: [String] = []) {
        self.libpqParameters = libpqParameters
        self.schema = schema
        self.removedParameters = removedParameters
    }

    /// Parses `postgresql://` or `postgres://` URLs.
    public init(parsing text: String) throws(DatabaseURLError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let schemeEnd = trimmed.range(of: "://") else { throw .notAURL }
        let scheme = trimmed[..<schemeEnd.lowerBound].lowercased()
        // Only something shaped like a scheme is quoted back: text before "://" could hold a password.
        guard let first = scheme.first, first.isASCII, first.isLetter,
            scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) })
        else { throw .notAURL }
        guard scheme == "postgresql" || scheme == "postgres" else { throw .unsupportedScheme(scheme) }
        var rest = Substring(trimmed[schemeEnd.upperBound...])

        var query = Substring("")
        if let fragment = rest.firstIndex(of: "#") { rest = rest[..<fragment] }
        if let questionMark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: questionMark)...]
            rest = rest[..<questionMark]
        }
        var path = Substring("")
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var userInfo: Substring?
        if let at = rest.lastIndex(of: "@") {
            userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
        }

        var parameters: [KeyValue] = []
        var hosts: [String] = []
        var ports: [String] = []
        for hostPort in rest.split(separator: ",", omittingEmptySubsequences: false) where !hostPort.isEmpty {
            let (host, port) = try Self.splitHostPort(hostPort)
            hosts.append(host)
            ports.append(port ?? "")
        }
        if !hosts.isEmpty, hosts.contains(where: { !$0.isEmpty }) {
            parameters.append(KeyValue("host", hosts.joined(separator: ",")))
        }
        if ports.contains(where: { !$0.isEmpty }) {
            parameters.append(KeyValue("port", ports.joined(separator: ",")))
        }
        if let userInfo {
            let parts = userInfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let user = try Self.decode(parts[0], part: "user name")
            if !user.isEmpty { parameters.append(KeyValue("user", user)) }
            if parts.count == 2 {
                parameters.append(KeyValue("password", try Self.decode(parts[1], part: "password")))
            }
        }
        if !path.isEmpty {
            parameters.append(KeyValue("dbname", try Self.decode(path, part: "database name")))
        }

        var schema = Self.defaultSchema
        var removed: [String] = []
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let pieces = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = try Self.decode(pieces[0], part: "query parameter name", plusIsSpace: true)
            // Named only when it is a plain parameter name: a mangled URL can put a password there.
            let known = key.count <= 40 && key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
            let value = pieces.count == 2 ? try Self.decode(pieces[1], part: known ? "query parameter \(key)" : "a query parameter", plusIsSpace: true) : ""
            if key == "schema" {
                guard !value.isEmpty else { throw .emptySchema }
                schema = value
            }
            if Self.prismaOnlyParameters.contains(key) {
                removed.append(key)
                continue
            }
            if let index = parameters.firstIndex(where: { $0.key == key }) {
                parameters[index].value = value
            } else {
                parameters.append(KeyValue(key, value))
            }
        }
        self.init(libpqParameters: parameters, schema: schema, removedParameters: removed)
    }

    /// `host=db port=5432 dbname=app user=healthctl`: the libpq parameters without passwords, for logs.
    public var redactedDescription: String {
        let shown = libpqParameters.filter { !$0.key.lowercased().contains("password") }.map { "\($0.key)=\($0.value)" }
        return shown.isEmpty ? "libpq's defaults" : shown.joined(separator: " ")
    }

    /// The URL with the password replaced by `****`, for messages and `config show`.
    ///
    /// Errs on the side of hiding: everything between the user name's `:` and the last `@` is
    /// masked, even when an unencoded `/`, `?` or `#` in the password makes the URL itself invalid
    /// (an `@` in a query value makes it mask more than the password); so are the values of
    /// `password=` and `sslpassword=` parameters.
    public static func redacted(_ text: String) -> String {
        guard let schemeEnd = text.range(of: "://") else { return redactPasswordParameters(text) }
        let afterScheme = text[schemeEnd.upperBound...]
        var result = text
        if let at = afterScheme.lastIndex(of: "@"), let colon = afterScheme[..<at].firstIndex(of: ":") {
            result.replaceSubrange(text.index(after: colon)..<at, with: "****")
        }
        return redactPasswordParameters(result)
    }

    private static func redactPasswordParameters(_ text: String) -> String {
        var result = ""
        var rest = text[...]
        while let range = rest.range(of: "password=", options: .caseInsensitive) {
            result += rest[..<range.upperBound] + "****"
            rest = rest[range.upperBound...]
            rest = rest[(rest.firstIndex(where: { $0 == "&" || $0 == "#" }) ?? rest.endIndex)...]
        }
        return result + rest
    }

    private static func splitHostPort(_ text: Substring) throws(DatabaseURLError) -> (String, String?) {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .badHost(String(text)) }
            // A zone id is written percent-encoded: [fe80::1%25eth0].
            let host = try decode(text[text.index(after: text.startIndex)..<close], part: "host")
            let after = text[text.index(after: close)...]
            if after.isEmpty { return (host, nil) }
            guard after.hasPrefix(":") else { throw .badHost(String(text)) }
            return (host, try validPort(after.dropFirst()))
        }
        if let colon = text.lastIndex(of: ":") {
            let host = try decode(text[..<colon], part: "host")
            return (host, try validPort(text[text.index(after: colon)...]))
        }
        return (try decode(text, part: "host"), nil)
    }

    private static func validPort(_ text: Substring) throws(DatabaseURLError) -> String? {
        if text.isEmpty { return nil }
        guard let port = Int(text), (1...65535).contains(port) else { throw .badPort(String(text)) }
        return String(port)
    }

    private static func decode(_ text: Substring, part: String, plusIsSpace: Bool = false) throws(DatabaseURLError) -> String {
        let source = plusIsSpace ? text.replacingOccurrences(of: "+", with: " ") : String(text)
        guard let decoded = source.removingPercentEncoding else { throw .badPercentEncoding(part: part) }
        return decoded
    }
}

public enum DatabaseURLError: Error, Equatable, Sendable, CustomStringConvertible {
    case notAURL
    case unsupportedScheme(String)
    case badHost(String)
    case badPort(String)
    case badPercentEncoding(part: String)
    case emptySchema

    /// Never quotes the URL itself: it may hold a password.
    public var description: String {
        switch self {
        case .notAURL: return "database URL is not a URL (expected postgresql://user:password@host:port/database)"
        case let .unsupportedScheme(scheme): return "database URL scheme \"\(scheme)\" is not supported (use postgresql://)"
        case .badHost: return "database URL has a malformed host (IPv6 addresses go in brackets: [::1])"
        case let .badPort(port) where !port.isEmpty && port.allSatisfy(\.isASCII) && port.allSatisfy(\.isNumber):
            return "database URL has an invalid port \(port) (1 to 65535)"
        case .badPort:
            // Not quoted: a password with an unencoded "/" lands here, and part of it would show.
            return "database URL has a port that is not a number (percent-encode : / ? # @ in the user name and password)"
        case let .badPercentEncoding(part): return "database URL has invalid percent-encoding in its \(part)"
        case .emptySchema: return "database URL has an empty ?schema= parameter"
        }
    }
}
