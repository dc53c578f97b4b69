import Foundation
import Gzip
@testable import HealthctlCore
import PostgresClient
import TestSupport
import Testing

/// Mutation fuzzing of every parser that reads outside data, from the committed corpus in
/// `Tests/Fuzz/corpus/<target>/`: bit flips, byte insertions and deletions, truncations, repeated
/// and spliced chunks. Each input must end in a value or a clear error, within a second. The
/// suite runs `FUZZ_ITERATIONS` inputs per target (default 300); `scripts/fuzz` runs many more.
@Suite struct FuzzTests {
    static var iterations: Int { Int(ProcessInfo.processInfo.environment["FUZZ_ITERATIONS"] ?? "") ?? 300 }
    static var seed: UInt64 { UInt64(ProcessInfo.processInfo.environment["FUZZ_SEED"] ?? "") ?? 20261201 }

    static func corpus(_ target: String) throws -> [[UInt8]] {
        let directory = HealthctlProcess.repositoryRoot.appendingPathComponent("Tests/Fuzz/corpus/\(target)")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        let inputs = try names.map { Array(try Data(contentsOf: directory.appendingPathComponent($0))) }
        try #require(!inputs.isEmpty, "no corpus for \(target)")
        return inputs
    }

    /// One mutated input from the corpus.
    static func mutate(_ corpus: [[UInt8]], _ random: inout SplitMix) -> [UInt8] {
        var bytes = corpus[Int(random.next() % UInt64(corpus.count))]
        let interesting: [UInt8] = [0, 0xFF, 0x7F, 0x80, 0x22, 0x5C, 0x0A, 0x0D, 0x2C, 0x3D, 0x25, 0x5B, 0x7B]
        for _ in 0..<(1 + Int(random.next() % 4)) {
            let position = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count))
            switch random.next() % 7 {
            case 0 where !bytes.isEmpty: bytes[position] ^= UInt8(1 << (random.next() % 8))
            case 1: bytes.insert(interesting[Int(random.next() % UInt64(interesting.count))], at: position)
            case 2 where !bytes.isEmpty: bytes.remove(at: position)
            case 3: bytes = Array(bytes.prefix(position))
            case 4 where bytes.count > 2:
                let length = Int(random.next() % UInt64(min(64, bytes.count - position) + 1))
                bytes.insert(contentsOf: bytes[position..<(position + length)], at: position)
            case 5:
                let other = corpus[Int(random.next() % UInt64(corpus.count))]
                let cut = other.isEmpty ? 0 : Int(random.next() % UInt64(other.count))
                bytes = Array(bytes.prefix(position)) + other[cut...]
            default:
                if !bytes.isEmpty { bytes[position] = UInt8(truncatingIfNeeded: random.next()) }
            }
        }
        return bytes
    }

    /// The CPU time the calling thread has used: unlike the wall clock, it does not grow while
    /// other suites running beside this one have the cores.
    static func threadCPUTime() -> Duration {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return .seconds(time.tv_sec) + .nanoseconds(time.tv_nsec)
    }

    /// Runs `parse` on mutated inputs; every run must return or throw within a second of CPU time.
    static func fuzz(_ target: String, _ parse: ([UInt8]) throws -> Void) throws {
        let corpus = try corpus(target)
        var random = SplitMix(seed: seed &+ UInt64(target.utf8.reduce(0) { $0 &* 31 &+ Int($1) }))
        for _ in 0..<iterations {
            let input = mutate(corpus, &random)
            // FUZZ_LAST=path keeps the input being parsed, to find the one a crash died on.
            if let last = ProcessInfo.processInfo.environment["FUZZ_LAST"] { try? Data(input).write(to: URL(fileURLWithPath: last + "." + target)) }
            let started = threadCPUTime()
            _ = try? parse(input)
            let took = threadCPUTime() - started
            #expect(took < .seconds(1), "\(target): an input took \(took) of CPU time: \(input.prefix(80))")
        }
        // The corpus itself: valid seeds, and the inputs that once crashed a parser.
        for input in corpus { _ = try? parse(input) }
    }

    @Test func gzipReader() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("healthctl-fuzz-\(UUID().uuidString).gz").path
        defer { unlink(path) }
        try Self.fuzz("gzip") { bytes in
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let descriptor = open(path, O_RDONLY)
            defer { close(descriptor) }
            let reader = try GzipReader(fileDescriptor: descriptor)
            var total = 0
            try reader.read(onData: { total += $0.count })
        }
    }

    @Test func archiveCSVReader() throws {
        try Self.fuzz("csv") { bytes in
            var reader = CSVReader()
            var fields = 0
            try reader.feed(bytes) { record in fields += record.fieldCount }
            try reader.finish()
        }
    }

    @Test func manifest() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("healthctl-fuzz-\(UUID().uuidString).manifest.json").path
        defer { unlink(path) }
        try Self.fuzz("manifest") { bytes in
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            _ = try ArchiveManifest.load(path)
        }
    }

    @Test func databaseURL() throws {
        try Self.fuzz("url") { bytes in
            do {
                _ = try DatabaseURL(parsing: String(decoding: bytes, as: UTF8.self)).redactedDescription
            } catch {
                // An error never quotes the URL: it may hold a password.
                #expect(!"\(error)".contains("s3cret"), "\(error)")
                throw error
            }
        }
    }

    @Test func dotEnv() throws {
        try Self.fuzz("dotenv") { bytes in
            _ = DotEnv.parse(String(decoding: bytes, as: UTF8.self), environment: ["DB_PASS": "x"])
        }
    }

    @Test func settingsTOML() throws {
        try Self.fuzz("toml") { bytes in
            _ = try SettingsFile.parse(String(decoding: bytes, as: UTF8.self), path: "fuzz.toml")
        }
    }

    /// The rollup tables' pieces: a damaged row is an error the report reads past, never a crash.
    @Test func dayPiece() throws {
        try Self.fuzz("daypiece") { bytes in
            _ = try bytes.withUnsafeBytes { try DayPieceCodec.decode($0, day: MonthPieceTests.september) }
        }
    }

    @Test func monthPiece() throws {
        // Also read the way a report without a daily series does, skipping the days' numbers:
        // both readings accept the same inputs, and give the same piece but for those numbers.
        try Self.fuzz("monthpiece") { bytes in
            let skipped = try? MonthPieceCodec.decode(bytes, month: MonthPieceTests.september, dailyNumbers: false)
            let whole = try? MonthPieceCodec.decode(bytes, month: MonthPieceTests.september)
            #expect((skipped == nil) == (whole == nil), "\(bytes.prefix(80))")
            guard var whole else { return }
            whole.days = MonthPiece(month: MonthPieceTests.september).days
            #expect(skipped == whole, "\(bytes.prefix(80))")
        }
    }

    @Test func binaryCopy() throws {
        try Self.fuzz("copy") { bytes in
            var decoder = CheckCopyDecoder(index: IntegrationIndex(ids: ["int_a", "int_b"]))
            try bytes.withUnsafeBytes { try decoder.consume($0) }
            _ = decoder.takeSeries(at: 0)
        }
    }
}

/// What fuzzing found, as plain regressions: inputs that took the process down (TOMLKit's C++
/// parser asserts on them) or put a password into an error message.
@Suite struct FuzzFindingsTests {
    /// A day piece whose numbers are damaged: a count of histogram values (or texts, segments,
    /// changes, errors) larger than the bytes left once made the reader reserve room for billions
    /// and abort; a time near the end of `Int64` overflowed. Both are errors now.
    @Test(arguments: [
        ([UInt64(0x7FFF_FFFF)], "more items than bytes"),
        ([0, 0, 0, UInt64(Int64.max)], "time out of range"),
        ([0, 0, 0, 1, 0x7FFF_FFFF], "more items than bytes"),
        ([0, 0, 0, 1, 1, 5, UInt64(Int64.max - 2)], "time out of range"),
    ])
    func aDamagedDayPieceIsAnErrorNotACrash(_ tail: [UInt64], _ reason: String) {
        var bytes = ByteWriter()
        bytes.byte(DayPieceCodec.version)
        bytes.unsigned(0)  // no texts
        for _ in 0..<6 { bytes.unsigned(0) }  // check counts, invalid latencies
        for value in tail { bytes.unsigned(value) }  // histograms, gaps, times, segments
        #expect(throws: RollupError.unreadablePiece(day: MonthPieceTests.september.text, reason: reason)) {
            try bytes.bytes.withUnsafeBytes { try DayPieceCodec.decode($0, day: MonthPieceTests.september) }
        }
    }

    /// A month piece whose day numbers are out of range (a count beyond 32 bits, a gap beyond 63)
    /// is an error whether the days' numbers are read or skipped, with the same reason.
    @Test(arguments: [
        ([UInt64(1) << 40], "count out of range"),
        ([0, 0, 0, 0, UInt64(Int64.max) + 1], "integer out of range"),
        ([0, 0, 0, 0, 0, 1, 0, UInt64(1) << 40], "count out of range"),
        ([0, 0, 0, 0, 0, 1, UInt64(1) << 40], "count out of range"),
    ])
    func aDamagedDayNumberOfAMonthPieceIsAnErrorEitherWay(_ first: [UInt64], _ reason: String) {
        let month = MonthPieceTests.september
        var bytes = ByteWriter()
        bytes.byte(MonthPieceCodec.version)
        bytes.unsigned(0)  // widest gap: none
        bytes.unsigned(0)  // no head
        bytes.unsigned(UInt64(month.daysInMonth))
        for value in first { bytes.unsigned(value) }  // the first day's counts, gap and summaries
        for _ in 0..<(9 * month.daysInMonth) { bytes.unsigned(0) }
        for dailyNumbers in [true, false] {
            #expect(throws: RollupError.unreadablePiece(day: month.monthText, reason: reason), "daily numbers \(dailyNumbers)") {
                try MonthPieceCodec.decode(bytes.bytes, month: month, dailyNumbers: dailyNumbers)
            }
        }
    }

    @Test(arguments: [
        ("[=[maintenance]]\nstart = \"2026-11-18T02:00:00Z\"\n", 1),
        ("[\ndat", 1),
        ("[\rreport]\nslo = 99.9\n", 1),
        ("[report.service_hours]\ndays = [\"mon\", }\n", 2),
        ("[report]\nslo =\n", 2),
        ("[report]\nslo_by_provider = { = 99.5 }\n", 2),
    ])
    func malformedSettingsAreASyntaxErrorWithTheLine(_ text: String, _ line: Int) {
        #expect(throws: ConfigError.syntax(path: "f.toml", line: line, message: "expected a key (a name, or a quoted string)")) {
            try SettingsFile.parse(text, path: "f.toml")
        }
    }

    @Test func validSettingsStillParse() throws {
        let settings = try SettingsFile.parse("""
            [report]
            slo = 99.9
            slo_by_provider = { github = 99.5, "my provider" = 99 }
            [report.service_hours]
            days = [
              "mon",
              "tue",
            ]
            from = "09:00"
            to = "18:00"
            [[maintenance]]
            every = "day"   # nightly
            from = "23:00"
            to = "01:00"
            reason = "a \\"quoted\\" reason = [x]"
            """, path: "f.toml")
        #expect(settings.maintenance.value.first?.reason == "a \"quoted\" reason = [x]")
        #expect(settings.report.sloByProvider.value["my provider"]?.percentNumberText == "99")
    }

    @Test func aMangledURLNeverQuotesWhatMayBeAPassword() {
        #expect(throws: DatabaseURLError.self) { try DatabaseURL(parsing: "postgresql://schp:s3cret@x@db.internal:5432/app?sch%zz:s3cret=1") }
        do {
            _ = try DatabaseURL(parsing: "postgresql://u@db/app?p%zz:s3cret=%zz")
        } catch {
            #expect(!"\(error)".contains("s3cret"), "\(error)")
        }
    }
}
