import Foundation

/// Runs the built `healthctl` binary the way a user does, capturing exit status, stdout and stderr.
public struct HealthctlProcess {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// True when the run was killed for taking longer than its timeout.
        public var timedOut = false
    }

    /// `HEALTHCTL_BIN`, else the binary in the build products folder of the running tests
    /// (so `swift build -c release` and `--scratch-path` work), else `.build/debug/healthctl`.
    public static var binaryPath: String {
        if let path = ProcessInfo.processInfo.environment["HEALTHCTL_BIN"] { return path }
        if let products = Bundle.main.executableURL?.deletingLastPathComponent() {
            let candidate = products.appendingPathComponent("healthctl").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return repositoryRoot.appendingPathComponent(".build/debug/healthctl").path
    }

    /// The folder holding `Package.swift`, for tests that read the repository's own files.
    public static var repositoryRoot: URL {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/" && !FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
            directory.deleteLastPathComponent()
        }
        return directory
    }

    /// Runs `healthctl arguments...` and waits for it.
    /// - Parameters:
    ///   - environment: added to (and overriding) the test process's environment; a nil value removes a variable.
    ///     `DATABASE_URL` is removed unless given here.
    ///   - directory: working directory, default a fresh temporary one (so no stray `.env` is read),
    ///     removed afterwards.
    ///   - timeout: seconds after which the process is killed and `timedOut` set.
    @discardableResult
    public static func run(
        _ arguments: [String], environment: [String: String?] = [:], directory: URL? = nil, stdin: String? = nil,
        timeout: TimeInterval = 120
    ) throws -> Output {
        let path = binaryPath
        guard FileManager.default.isExecutableFile(atPath: path) else { throw TestEnvironmentError.binaryNotFound(path) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "DATABASE_URL")
        env["HEALTHCTL_BUSY_SHARE"] = fullSpeed["HEALTHCTL_BUSY_SHARE"]
        for (key, value) in environment {
            if let value { env[key] = value } else { env.removeValue(forKey: key) }
        }
        process.environment = env
        let temporaryDirectory = directory == nil
            ? FileManager.default.temporaryDirectory.appendingPathComponent("healthctl-e2e-\(UUID().uuidString)") : nil
        let workingDirectory = directory ?? temporaryDirectory!
        try FileManager.default.createDirectory(at: workingDirectory, withIntermediateDirectories: true)
        process.currentDirectoryURL = workingDirectory
        // Output goes to files outside the working directory, so a test can list that directory.
        let captureDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("healthctl-out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: captureDirectory, withIntermediateDirectories: true)
        defer {
            try? FileManager.default.removeItem(at: captureDirectory)
            if let temporaryDirectory { try? FileManager.default.removeItem(at: temporaryDirectory) }
        }
        let outFile = captureDirectory.appendingPathComponent("stdout")
        let errFile = captureDirectory.appendingPathComponent("stderr")
        guard FileManager.default.createFile(atPath: outFile.path, contents: nil),
            FileManager.default.createFile(atPath: errFile.path, contents: nil)
        else { throw CocoaError(.fileWriteUnknown) }
        let outHandle = try FileHandle(forWritingTo: outFile)
        let errHandle = try FileHandle(forWritingTo: errFile)
        process.standardOutput = outHandle
        process.standardError = errHandle
        let input = Pipe()
        process.standardInput = input
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
        var timedOut = false
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
            finished.wait()
        }
        try outHandle.close()
        try errHandle.close()
        return Output(
            status: process.terminationStatus,
            stdout: (try? String(contentsOf: outFile, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errFile, encoding: .utf8)) ?? "",
            timedOut: timedOut)
    }

    /// Suites run side by side on one test server, so a job would always find other sessions busy
    /// and back off: every healthctl a test starts runs at full speed unless the test asks for
    /// its pacing (`HEALTHCTL_BUSY_SHARE` given to `run`).
    public static let fullSpeed = ["HEALTHCTL_BUSY_SHARE": "1"]

    /// The test process's environment with `fullSpeed`, for tests that start healthctl themselves.
    public static var environment: [String: String] {
        ProcessInfo.processInfo.environment.merging(fullSpeed) { $1 }
    }

    /// Starts `healthctl arguments...` without waiting, its stdout to a pipe when `output` is set
    /// (else discarded) and its stderr to `errorFile` (else discarded): for tests that kill it or
    /// crash its server. `environment` is applied over `environment` as in `run`.
    public static func start(_ arguments: [String], output: Bool = false, errorFile: URL? = nil, environment: [String: String?] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binaryPath)
        process.arguments = arguments
        var env = Self.environment
        for (key, value) in environment {
            if let value { env[key] = value } else { env.removeValue(forKey: key) }
        }
        process.environment = env
        process.standardOutput = output ? Pipe() : FileHandle.nullDevice
        if let errorFile {
            _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: errorFile)
        } else {
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        return process
    }

    /// Runs `body` again while it exits 75, for at most about 5 s: after a kill the old server
    /// session may hold the job's lock a moment longer.
    public static func retryingWhileLocked(_ body: () throws -> Output) throws -> Output {
        for _ in 0..<50 {
            let output = try body()
            if output.status != 75 { return output }
            usleep(100_000)
        }
        return try body()
    }
}
