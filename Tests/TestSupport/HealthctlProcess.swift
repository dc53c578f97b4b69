import Foundation

/// Runs the built `healthctl` binary the way a user does, capturing exit status, stdout and stderr.
public struct HealthctlProcess {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// The binary next to the test bundle in the build products folder, or `HEALTHCTL_BIN`.
    public static var binaryPath: String {
        if let path = ProcessInfo.processInfo.environment["HEALTHCTL_BIN"] { return path }
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/" && !FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
            directory.deleteLastPathComponent()
        }
        let products = directory.appendingPathComponent(".build/debug/healthctl").path
        return products
    }

    /// Runs `healthctl arguments...` and waits for it.
    /// - Parameters:
    ///   - environment: added to (and overriding) the test process's environment; a nil value removes a variable.
    ///   - directory: working directory, default a fresh temporary one (so no stray `.env` is read).
    @discardableResult
    public static func run(
        _ arguments: [String], environment: [String: String?] = [:], directory: URL? = nil, stdin: String? = nil
    ) throws -> Output {
        let path = binaryPath
        guard FileManager.default.isExecutableFile(atPath: path) else { throw TestEnvironmentError.binaryNotFound(path) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "DATABASE_URL")
        for (key, value) in environment {
            if let value { env[key] = value } else { env.removeValue(forKey: key) }
        }
        process.environment = env
        let workingDirectory = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("healthctl-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workingDirectory, withIntermediateDirectories: true)
        process.currentDirectoryURL = workingDirectory
        let outFile = workingDirectory.appendingPathComponent(".stdout-\(UUID().uuidString)")
        let errFile = workingDirectory.appendingPathComponent(".stderr-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: outFile.path, contents: nil)
        FileManager.default.createFile(atPath: errFile.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outFile)
            try? FileManager.default.removeItem(at: errFile)
        }
        let outHandle = try FileHandle(forWritingTo: outFile)
        let errHandle = try FileHandle(forWritingTo: errFile)
        process.standardOutput = outHandle
        process.standardError = errHandle
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        try outHandle.close()
        try errHandle.close()
        return Output(
            status: process.terminationStatus,
            stdout: (try? String(contentsOf: outFile, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errFile, encoding: .utf8)) ?? "")
    }
}
