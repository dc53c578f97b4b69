import Foundation
import TestSupport
import Testing

/// The files in cron/: the crontab's lines parse, and the wrapper keeps cron quiet on success,
/// loud on failure, never overlaps a job, and bounds its run time.
@Suite struct CronTests {
    static let repository = HealthctlProcess.repositoryRoot

    // MARK: crontab

    @Test func everyCrontabLineHasFiveValidTimeFieldsAndCallsTheWrapper() throws {
        let text = try String(contentsOf: Self.repository.appendingPathComponent("cron/healthctl.crontab"), encoding: .utf8)
        var jobs: [String] = []
        for line in text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.range(of: #"^[A-Z_]+=\S*$"#, options: .regularExpression) != nil { continue }
            let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            try #require(fields.count > 7, "too few fields: \(line)")
            let ranges = [0...59, 0...23, 1...31, 1...12, 0...7]
            for (field, range) in zip(fields.prefix(5), ranges) {
                #expect(Self.isValidCronField(field, range), "bad time field \(field) in: \(line)")
            }
            #expect(fields[5].hasSuffix("/healthctl-job"), "does not call healthctl-job: \(line)")
            jobs.append(fields[6])
        }
        #expect(Set(jobs).count == jobs.count, "job names must be unique so flock keeps them apart")
        #expect(jobs.contains("prune") && jobs.contains("backfill") && jobs.contains("report-weekly"))
        #expect(text.contains("CRON_TZ=UTC"))
    }

    /// Every scheduled command line parses with the real binary: pointed at a closed port, each
    /// gets as far as connecting (69) instead of failing on its flags (64).
    @Test func everyScheduledCommandLineParses() throws {
        let crontab = try String(contentsOf: Self.repository.appendingPathComponent("cron/healthctl.crontab"), encoding: .utf8)
        var commandLines = crontab.split(separator: "\n").filter { $0.contains("/healthctl-job ") && !$0.hasPrefix("#") }
            .map { $0.split(separator: " ").dropFirst(7).map(String.init) }
        let units = Self.repository.appendingPathComponent("cron/systemd")
        for name in try FileManager.default.contentsOfDirectory(atPath: units.path) where name.hasSuffix(".service") {
            let text = try String(contentsOf: units.appendingPathComponent(name), encoding: .utf8)
            let execs = text.split(separator: "\n").filter { $0.hasPrefix("ExecStart=") }
            #expect(!execs.isEmpty, "\(name)")
            for exec in execs { commandLines.append(exec.split(separator: " ").dropFirst(2).map(String.init)) }
        }
        #expect(commandLines.count >= 10)
        for arguments in commandLines {
            let output = try HealthctlProcess.run(
                arguments + ["--connect-timeout", "2"], environment: ["DATABASE_URL": "postgresql://127.0.0.1:1/healthctl"])
            #expect(output.status == 69, "\(arguments): \(output.stderr)")
        }
    }

    @Test func cronFieldValidatorRejectsNonsense() {
        #expect(Self.isValidCronField("*/15", 0...59))
        #expect(Self.isValidCronField("1-5", 0...7))
        #expect(Self.isValidCronField("0,30", 0...59))
        #expect(!Self.isValidCronField("60", 0...59))
        #expect(!Self.isValidCronField("a", 0...59))
        #expect(!Self.isValidCronField("", 0...59))
    }

    /// `*`, `*/n`, `a`, `a-b`, `a-b/n` and comma lists of those, within range.
    static func isValidCronField(_ field: String, _ range: ClosedRange<Int>) -> Bool {
        guard !field.isEmpty else { return false }
        return field.split(separator: ",", omittingEmptySubsequences: false).allSatisfy { part in
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { return false }
            if pieces.count == 2, Int(pieces[1]).map({ $0 > 0 }) != true { return false }
            if pieces[0] == "*" { return true }
            let bounds = pieces[0].split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
            guard (1...2).contains(bounds.count), bounds.allSatisfy({ $0.map(range.contains) == true }) else { return false }
            return bounds.count == 1 || bounds[0]! <= bounds[1]!
        }
    }

    @Test func systemdTimersCatchUpMissedRuns() throws {
        let directory = Self.repository.appendingPathComponent("cron/systemd")
        let timers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".timer") }
        #expect(timers.count >= 4)
        for timer in timers {
            let text = try String(contentsOf: directory.appendingPathComponent(timer), encoding: .utf8)
            #expect(text.contains("Persistent=true"), "\(timer)")
            #expect(text.contains("OnCalendar="), "\(timer)")
            let service = timer.replacingOccurrences(of: ".timer", with: ".service")
            let serviceText = try String(contentsOf: directory.appendingPathComponent(service), encoding: .utf8)
            #expect(serviceText.contains("EnvironmentFile=/etc/healthctl/env"), "\(service)")
        }
    }

    // MARK: healthctl-job

    /// A scratch folder with a stand-in `healthctl` whose behaviour the arguments choose.
    struct Sandbox {
        let directory: URL
        var logFile: URL { directory.appendingPathComponent("jobs.log") }
        var envFile: URL { directory.appendingPathComponent("env") }

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("cron-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let stub = directory.appendingPathComponent("healthctl")
            try """
                #!/usr/bin/env bash
                case "$1" in
                  ok) echo "all good"; exit 0 ;;
                  fail) echo "partial output"; echo "healthctl: error: it broke" >&2; exit "$2" ;;
                  sleep) sleep "$2"; exit 0 ;;
                  hold) touch "$2"; for _ in $(seq 600); do [ -e "$3" ] && exit 0; sleep 0.05; done; exit 1 ;;
                  env) echo "url=$DATABASE_URL"; exit 9 ;;
                esac
                """.write(to: stub, atomically: true, encoding: .utf8)
            chmod(stub.path, 0o755)
            try "DATABASE_URL=postgresql://u:pw@h/db\n".write(to: envFile, atomically: true, encoding: .utf8)
            chmod(envFile.path, 0o600)
        }

        func process(_ arguments: [String], extra: [String: String] = [:]) -> (Process, URL, URL) {
            let process = Process()
            process.executableURL = CronTests.repository.appendingPathComponent("cron/healthctl-job")
            process.arguments = arguments
            var environment = ProcessInfo.processInfo.environment
            environment["HEALTHCTL_BIN"] = directory.appendingPathComponent("healthctl").path
            environment["HEALTHCTL_ENV_FILE"] = envFile.path
            environment["HEALTHCTL_LOCK_DIR"] = directory.path
            environment["HEALTHCTL_LOG_FILE"] = logFile.path
            environment.removeValue(forKey: "DATABASE_URL")
            for (key, value) in extra { environment[key] = value }
            process.environment = environment
            let out = directory.appendingPathComponent("out-\(UUID().uuidString)")
            let err = directory.appendingPathComponent("err-\(UUID().uuidString)")
            _ = FileManager.default.createFile(atPath: out.path, contents: nil)
            _ = FileManager.default.createFile(atPath: err.path, contents: nil)
            process.standardOutput = try? FileHandle(forWritingTo: out)
            process.standardError = try? FileHandle(forWritingTo: err)
            return (process, out, err)
        }

        func run(_ arguments: [String], extra: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
            let (process, out, err) = process(arguments, extra: extra)
            try process.run()
            process.waitUntilExit()
            return (process.terminationStatus, try String(contentsOf: out, encoding: .utf8), try String(contentsOf: err, encoding: .utf8))
        }

        func logLines() throws -> [String] {
            try String(contentsOf: logFile, encoding: .utf8).split(separator: "\n").map(String.init)
        }
    }

    @Test func silentOnSuccessAndLogsOneLine() throws {
        let sandbox = try Sandbox()
        let result = try sandbox.run(["nightly", "ok"])
        #expect(result.status == 0)
        #expect(result.stdout.isEmpty && result.stderr.isEmpty)
        let lines = try sandbox.logLines()
        #expect(lines.count == 1)
        #expect(lines[0].contains("job=nightly exit=0 duration="))
    }

    @Test func printsCapturedOutputOnFailure() throws {
        let sandbox = try Sandbox()
        let result = try sandbox.run(["nightly", "fail", "69"])
        #expect(result.status == 69)
        #expect(result.stdout.contains("nightly failed with exit code 69"))
        #expect(result.stdout.contains("partial output"))
        #expect(result.stdout.contains("healthctl: error: it broke"))
        #expect(try sandbox.logLines().last?.contains("exit=69") == true)
    }

    @Test func loadsTheEnvFile() throws {
        let sandbox = try Sandbox()
        let result = try sandbox.run(["env-check", "env"])
        #expect(result.status == 9)
        #expect(result.stdout.contains("url=postgresql://u:pw@h/db"))
    }

    @Test func refusesAnEnvFileOthersCanRead() throws {
        let sandbox = try Sandbox()
        chmod(sandbox.envFile.path, 0o644)
        let result = try sandbox.run(["nightly", "ok"])
        #expect(result.status == 78)
        #expect(result.stderr.contains("chmod 600"))
    }

    @Test func secondCopyOfARunningJobIsSkipped() throws {
        let sandbox = try Sandbox()
        // The first run holds the lock from the moment its job starts until the test releases it.
        let (started, release) = (sandbox.directory.appendingPathComponent("started"), sandbox.directory.appendingPathComponent("release"))
        let (first, _, _) = sandbox.process(["prune", "hold", started.path, release.path])
        try first.run()
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: started.path), first.isRunning, Date() < deadline { usleep(20_000) }
        try #require(FileManager.default.fileExists(atPath: started.path), "the first run's job never started")
        let second = try sandbox.run(["prune", "ok"])
        #expect(second.status == 75)
        #expect(second.stderr.contains("still running"))
        let other = try sandbox.run(["backfill", "ok"])
        #expect(other.status == 0, "a different job is not blocked")
        _ = FileManager.default.createFile(atPath: release.path, contents: nil)
        first.waitUntilExit()
        #expect(first.terminationStatus == 0)
    }

    @Test func timeLimitStopsTheJob() throws {
        let sandbox = try Sandbox()
        let started = Date()
        let result = try sandbox.run(["slow", "sleep", "20"], extra: ["HEALTHCTL_TIMEOUT": "1s", "HEALTHCTL_KILL_AFTER": "1s"])
        #expect(result.status == 124)
        #expect(result.stdout.contains("time limit"))
        #expect(Date().timeIntervalSince(started) < 10)
    }
}
