import Foundation
import PostgresClient

/// A real hot standby of the test server, made with `pg_basebackup -R` and started on a port of
/// its own; or, as `.copy`, a primary of its own cloned the same way, which a test may crash and
/// restart without disturbing the suites that share the test server. Stopped and removed when
/// released. The server `pg_virtualenv` started belongs to the `postgres` user, so this one runs
/// as that user too.
public final class TestStandby: @unchecked Sendable {
    public enum Role: Sendable { case standby, copy }

    public let port: Int
    private let directory: URL
    private let startCommand: String

    /// `settings` are `-c name=value` options for the server (for example
    /// `max_standby_streaming_delay=0`).
    public init(settings: [String] = [], role: Role = .standby) throws {
        let environment = ProcessInfo.processInfo.environment
        guard let host = environment["PGHOST"], let primaryPort = environment["PGPORT"] else { throw TestEnvironmentError.noServer }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("healthctl-standby-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let data = directory.appendingPathComponent("data").path
        let bin = try Self.binDirectory()
        try Self.shell("""
            chown postgres '\(directory.path)' && \
            runuser -u postgres -- env PGPASSWORD="$PGPASSWORD" '\(bin)/pg_basebackup' -h '\(host)' -p \(primaryPort) -U "${PGUSER:-postgres}" -D '\(data)' \(role == .standby ? "-R" : "") -X stream -c fast && \
            touch '\(data)/postgresql.conf' && \
            printf 'local all all trust\\nhost all all 127.0.0.1/32 trust\\nhost all all ::1/128 trust\\n' > '\(data)/pg_hba.conf' && \
            chown -R postgres '\(data)'
            """)
        // A random port can be taken by then: one more try on another, and the server's log when both fail.
        var started: (port: Int, command: String)?
        var failure: (any Error)?
        for _ in 0..<2 where started == nil {
            let candidate = Int.random(in: 20_000...40_000)
            let options = (["-p \(candidate)", "-k \(directory.path)", "-c hot_standby=on", "-c listen_addresses=localhost", "-c hba_file=\(data)/pg_hba.conf"] + settings.map { "-c \($0)" })
                .joined(separator: " ")
            let command = "runuser -u postgres -- '\(bin)/pg_ctl' -D '\(data)' -o \"\(options)\" -l '\(directory.path)/log' -w -t 60 start"
            do {
                try Self.shell(command)
                started = (candidate, command)
            } catch {
                failure = error
            }
        }
        guard let started else {
            let log = (try? String(contentsOfFile: directory.path + "/log", encoding: .utf8)) ?? ""
            throw TestStandbyError.didNotStart(String(describing: failure ?? TestStandbyError.didNotStart("")), log: String(log.suffix(2000)))
        }
        (port, startCommand) = started
    }

    /// Stops the server as a crash would (`pg_ctl stop -m immediate`: no checkpoint, every
    /// session cut), waits `seconds`, and starts it again, which runs crash recovery.
    public func crashAndRestart(after seconds: Double) throws {
        let data = directory.appendingPathComponent("data").path
        try Self.shell("runuser -u postgres -- '\(try Self.binDirectory())/pg_ctl' -D '\(data)' -m immediate -w stop")
        Thread.sleep(forTimeInterval: seconds)
        try Self.shell(startCommand)
    }

    deinit {
        let data = directory.appendingPathComponent("data").path
        if let bin = try? Self.binDirectory() {
            _ = try? Self.shell("runuser -u postgres -- '\(bin)/pg_ctl' -D '\(data)' -m immediate -w stop")
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// The URL of `database` on the standby, with the test server's user and password.
    public func url(_ database: String) -> String {
        let environment = ProcessInfo.processInfo.environment
        let user = environment["PGUSER"] ?? "postgres"
        let password = environment["PGPASSWORD"].map { ":\($0)" } ?? ""
        return "postgresql://\(user)\(password)@localhost:\(port)/\(database)"
    }

    /// A connection to `database` on the standby.
    public func connect(_ database: String) throws -> PostgresConnection {
        var parameters: [(key: String, value: String)] = [(key: "host", value: "localhost"), (key: "port", value: String(port)), (key: "dbname", value: database)]
        if let password = ProcessInfo.processInfo.environment["PGPASSWORD"] { parameters.append((key: "password", value: password)) }
        return try PostgresConnection(parameters: parameters)
    }

    /// Waits until the standby has replayed everything the primary wrote so far (at most 30 s).
    public func catchUp(with primary: PostgresConnection, database: String) throws {
        let target = try primary.query("SELECT pg_current_wal_lsn()::text").first?.string(0) ?? "0/0"
        let standby = try connect(database)
        for _ in 0..<300 {
            if try standby.query("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", [target]).first?.bool(0) == true { return }
            usleep(100_000)
        }
        throw StandbyError.notCaughtUp
    }

    enum StandbyError: Error { case notCaughtUp, commandFailed(String) }

    private static func binDirectory() throws -> String {
        let version = ProcessInfo.processInfo.environment["PGVERSION"] ?? "15"
        let path = "/usr/lib/postgresql/\(version)/bin"
        guard FileManager.default.fileExists(atPath: "\(path)/pg_basebackup") else { throw TestEnvironmentError.binaryNotFound("\(path)/pg_basebackup") }
        return path
    }

    @discardableResult
    private static func shell(_ command: String) throws -> String {
        // Output goes to a file: the server pg_ctl starts would hold a pipe open for its whole life.
        let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("healthctl-standby-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: outputFile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        // Descriptors the test process leaves open (Foundation watches one to see the shell end)
        // are closed first, so the server does not inherit them.
        let closeInherited = #"for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done 2>/dev/null; "#
        process.arguments = ["-c", closeInherited + "(\(command)) > '\(outputFile.path)' 2>&1"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let text = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else { throw StandbyError.commandFailed(text) }
        return text
    }
}

public enum TestStandbyError: Error, CustomStringConvertible {
    case didNotStart(String, log: String = "")

    public var description: String {
        switch self {
        case let .didNotStart(reason, log): return "the standby did not start: \(reason)\n\(log)"
        }
    }
}
