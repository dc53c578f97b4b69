import Foundation
import Testing

/// Programs some tests drive (`chromium`, `promtool`), installed by `scripts/install-deps`.
public enum ExternalTool {
    /// The program's path on `PATH`, if any.
    public static func path(_ name: String) -> String? {
        if name.hasPrefix("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return directories.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Whether tests needing `name` run: when it is installed, and always when `CI` is set, so
    /// a CI machine without it fails them instead of skipping them.
    public static func runs(_ name: String) -> Bool {
        ProcessInfo.processInfo.environment["CI"] != nil || path(name) != nil
    }

    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs `name arguments...` with `stdin`, killed after `timeout` seconds; its output goes
    /// through temporary files, so a chatty program never blocks on a full pipe.
    public static func run(_ name: String, _ arguments: [String], stdin: String? = nil, timeout: TimeInterval = 120) throws -> Output {
        guard let path = path(name) else { throw TestEnvironmentError.toolNotFound(name) }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("healthctl-tool-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let files = ["in", "out", "err"].map { folder.appendingPathComponent($0) }
        try Data((stdin ?? "").utf8).write(to: files[0])
        _ = FileManager.default.createFile(atPath: files[1].path, contents: nil)
        _ = FileManager.default.createFile(atPath: files[2].path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardInput = try FileHandle(forReadingFrom: files[0])
        process.standardOutput = try FileHandle(forWritingTo: files[1])
        process.standardError = try FileHandle(forWritingTo: files[2])
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline { process.terminate() }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return Output(
            status: process.terminationStatus, stdout: (try? String(contentsOf: files[1], encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: files[2], encoding: .utf8)) ?? "")
    }
}

extension Trait where Self == ConditionTrait {
    /// For a test that drives an external program: skipped when it is missing, except under CI.
    public static func requiresTool(_ name: String) -> Self {
        .enabled(if: ExternalTool.runs(name), Comment(rawValue: "\(name) is not installed: scripts/install-deps installs it"))
    }
}
