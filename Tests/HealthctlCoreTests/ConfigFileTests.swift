import Foundation
import HealthctlCore
import Testing

@Suite struct ConfigFileTests {
    let sample = """
        # healthctl settings
        [report]
        slo = 99.5
        max_gap = "10m"

        [report.slo_by_provider]
        github = 99.0
        "google" = 99.95

        [prune]
        older_than = "30d"
        batch_size = 2000
        """

    @Test func readsKnownKeysIntoTypedSettings() throws {
        let settings = try SettingsFile.parse(sample, path: "h.toml")
        #expect(settings.report.slo.value == SLOTarget(percent: "99.5"))
        #expect(settings.report.slo.source == .file)
        #expect(settings.report.maxGap.value == .fixed(milliseconds: 600_000))
        #expect(settings.report.sloByProvider.value == ["github": SLOTarget(percent: "99"), "google": SLOTarget(percent: "99.95")])
        #expect(settings.prune.batchSize.value == 2000)
        #expect(settings.prune.olderThan.value.milliseconds == 30 * 86_400_000)
        #expect(settings.backfill.batchSize.value == 1000 && settings.backfill.batchSize.source == .default)
    }

    @Test func aPercentageOf100IsValidInTheFileAsOnTheCommandLine() throws {
        let settings = try SettingsFile.parse("[report]\nslo = 100\n", path: "h.toml")
        #expect(settings.report.slo.value == SLOTarget(percent: "100"))
        var flags = ReportFlags()
        flags.slo = "100"
        flags.period = "2026-W47"
        #expect(try Settings().reportRequest(flags, nowMs: 1_800_000_000_000).settings.slo == SLOTarget(percent: "100"))
    }

    @Test func unknownKeyNamesKeyAndLine() {
        let text = sample + "\nbatch_sise = 3\n"
        #expect(throws: ConfigError.unknownKey(path: "h.toml", line: 13, key: "prune.batch_sise")) {
            try SettingsFile.parse(text, path: "h.toml")
        }
        #expect(throws: ConfigError.unknownKey(path: "h.toml", line: 1, key: "retention")) {
            try SettingsFile.parse("[retention]\ndays = 3\n", path: "h.toml")
        }
    }

    @Test func wrongTypesNameKeyAndLine() {
        #expect(throws: ConfigError.invalidValue(path: "h.toml", line: 2, key: "report.slo", expected: "a percentage above 0 and at most 100, e.g. 99.9")) {
            try SettingsFile.parse("[report]\nslo = 120\n", path: "h.toml")
        }
        #expect(throws: ConfigError.invalidValue(path: "h.toml", line: 2, key: "prune.older_than", expected: "a duration such as \"90d\" or \"5m\"")) {
            try SettingsFile.parse("[prune]\nolder_than = \"ninety days\"\n", path: "h.toml")
        }
        #expect(throws: ConfigError.invalidValue(path: "h.toml", line: 2, key: "report.slo_by_provider.github", expected: "a percentage above 0 and at most 100, e.g. 99.9")) {
            try SettingsFile.parse("[report]\n[report.slo_by_provider]\ngithub = 0\n", path: "h.toml")
        }
        #expect(throws: ConfigError.invalidValue(path: "h.toml", line: 2, key: "prune.batch_size", expected: "a positive integer")) {
            try SettingsFile.parse("[prune]\nbatch_size = \"many\"\n", path: "h.toml")
        }
    }

    @Test func syntaxErrorsCarryTheLine() {
        do throws(ConfigError) {
            _ = try SettingsFile.parse("[report]\nslo = \n", path: "h.toml")
            Issue.record("expected a syntax error")
        } catch {
            guard case let .syntax(_, line, _) = error else { Issue.record("\(error)"); return }
            #expect(line == 2)
            #expect(error.category == .configuration)
        }
    }

    @Test func flagsOverrideFileOverridesDefaults() throws {
        var settings = try SettingsFile.parse(sample, path: "h.toml")
        #expect(settings.report.slo.display == "99.5")
        #expect(settings.report.slo.source == .file)
        #expect(settings.report.staleAfter.display == "24h")
        #expect(settings.report.staleAfter.source == .default)
        try settings.report.slo.apply(flag: "99.99", "--slo")
        #expect(settings.report.slo.display == "99.99")
        #expect(settings.report.slo.source == .flag)
        #expect(throws: UsageError("invalid --slo \"1000\": expected a percentage above 0 and at most 100, e.g. 99.9")) {
            try settings.report.slo.apply(flag: "1000", "--slo")
        }

        var flags = PruneFlags()
        flags.archiveDir = "/tmp/a"
        flags.batchSize = "300"
        flags.pacing.pause = "50ms"
        let prune = try settings.pruneOptions(flags, nowMilliseconds: 100 * 86_400_000)
        #expect(prune.batchSize == 300, "the flag over the file's 2000")
        #expect(prune.cutoffMilliseconds == 70 * 86_400_000, "the file's 30d")
        #expect(prune.pacing == BatchPacing(pauseMilliseconds: 50, lockTimeoutMilliseconds: 2000, statementTimeoutMilliseconds: 300_000))
        flags.batchSize = "0"
        #expect(throws: UsageError("invalid --batch-size \"0\": expected a positive integer")) {
            try settings.pruneOptions(flags, nowMilliseconds: 0)
        }
    }

    @Test func everyKeyIsListedOnceWithItsValueAndSecretsAreMasked() throws {
        let settings = try SettingsFile.parse(sample, path: "h.toml")
        let listed = try settings.effectiveSettings(
            databaseURL: nil, connectTimeout: nil, environment: ["DATABASE_URL": "postgresql://app:hunter2@db/app"])
        #expect(listed.map(\.key) == SettingKeys.all.map(\.name))
        #expect(Set(listed.map(\.key)).count == listed.count)
        let url = try #require(listed.first { $0.key == "database.url" })
        #expect(url.value == "postgresql://app:****@db/app")
        #expect(url.source == .env)
        #expect(!listed.contains { $0.value?.contains("hunter2") == true })
        #expect(listed.first { $0.key == "report.slo_by_provider" }?.value == "github=99, google=99.95")
        #expect(listed.first { $0.key == "prune.max_runtime" }?.value == nil)
    }

    @Test func explicitPathMustExistButDefaultsMayBeAbsent() throws {
        #expect(throws: ConfigError.notFound(path: "/nonexistent/healthctl.toml")) {
            try SettingsFile.load(explicitPath: "/nonexistent/healthctl.toml")
        }
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let file = try SettingsFile.load(explicitPath: nil, workingDirectory: empty.path)
        #expect(file.path == nil || file.path == "/etc/healthctl/healthctl.toml")
        try sample.write(to: empty.appendingPathComponent("healthctl.toml"), atomically: true, encoding: .utf8)
        #expect(try SettingsFile.load(explicitPath: nil, workingDirectory: empty.path).path?.hasSuffix("healthctl.toml") == true)
    }
}
