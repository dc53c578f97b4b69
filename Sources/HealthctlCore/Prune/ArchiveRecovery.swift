import Crypto
import Foundation
import PostgresClient

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What start-up recovery did.
public struct RecoverySummary: Codable, Sendable, Equatable {
    public var filesRepaired = 0
    public var membersCommitted = 0
    public var membersDropped = 0
    public var bytesCutOff: Int64 = 0

    public init() {}
}

/// The I/O half of crash recovery: finds archive files a killed prune left behind, asks the
/// database which pending members were committed, and applies `RecoveryDecision`.
///
/// Runs under the retention advisory lock: the killed run's session has then ended, so its last
/// transaction is settled (committed or rolled back) and the database tells the truth.
enum ArchiveRecovery {
    static func run(root: String, connection: PostgresConnection, schema: HealthSchema) throws -> RecoverySummary {
        var summary = RecoverySummary()
        let tableDirectory = "\(root)/\(ArchiveFormat.tableDirectory)"
        guard FileManager.default.fileExists(atPath: tableDirectory) else { return summary }
        let numericIds = schema.logIdType == .integer
        var dataFiles = Set(try ArchiveFiles.dataFiles(in: [tableDirectory]))
        for relative in FileManager.default.enumerator(atPath: tableDirectory)?.allObjects as? [String] ?? [] {
            let path = "\(tableDirectory)/\(relative)"
            let name = (relative as NSString).lastPathComponent
            if name.hasPrefix("."), name.hasSuffix(".tmp") {
                unlink(path)  // a manifest replacement that never got renamed
            } else if name.hasSuffix(ArchiveFormat.manifestSuffix) {
                dataFiles.insert(String(path.dropLast(ArchiveFormat.manifestSuffix.count)) + ArchiveFormat.dataSuffix)
            }
        }
        for dataPath in dataFiles.sorted() {
            guard let day = ArchiveFormat.day(ofDataFile: dataPath) else { continue }
            let manifestPath = ArchiveFormat.manifestPath(forDataFile: dataPath)
            let manifest = FileManager.default.fileExists(atPath: manifestPath)
                ? try ArchiveManifest.load(manifestPath) : ArchiveManifest(day: day, numericIds: numericIds)
            let fileSize = ArchiveFiles.size(dataPath) ?? 0
            if !manifest.hasPending && fileSize == manifest.fileBytes && fileSize > 0 { continue }
            var remains: [Int: Bool] = [:]
            for (index, member) in manifest.members.enumerated() where member.state == .pending {
                // A member not wholly on disk was never synced, so its delete never committed.
                if member.end > fileSize {
                    remains[index] = true
                } else if let partition = member.partition {
                    remains[index] = try DetachMarker(logTable: schema.logTable).rowsRemain(in: partition, connection)
                } else {
                    remains[index] = try rowsRemain(of: member, in: dataPath, connection: connection, schema: schema)
                }
            }
            let decision = try RecoveryDecision.resolve(manifest: manifest, fileSize: fileSize, rowsStillInDatabase: remains, path: dataPath)
            try apply(decision, dataPath: dataPath, manifestPath: manifestPath, fileSize: fileSize)
            summary.filesRepaired += 1
            summary.membersCommitted += decision.membersCommitted
            summary.membersDropped += decision.membersDropped
            summary.bytesCutOff += decision.truncateTo.map { fileSize - $0 } ?? 0
        }
        return summary
    }

    private static func apply(_ decision: RecoveryDecision, dataPath: String, manifestPath: String, fileSize: Int64) throws {
        let directory = (dataPath as NSString).deletingLastPathComponent
        guard var manifest = decision.manifest else {
            unlink(manifestPath)
            unlink(dataPath)
            try ArchiveFiles.syncDirectory(directory)
            return
        }
        let descriptor = open(dataPath, O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else { throw ArchiveError.cannotWrite(path: dataPath, operation: "opening", errno: errno) }
        defer { close(descriptor) }
        if let size = decision.truncateTo {
            guard ftruncate(descriptor, off_t(size)) == 0, fsync(descriptor) == 0 else {
                throw ArchiveError.cannotWrite(path: dataPath, operation: "truncating", errno: errno)
            }
        }
        var hasher = SHA256()
        try ArchiveFiles.readRange(descriptor, offset: 0, count: manifest.fileBytes, path: dataPath) { hasher.update(bufferPointer: $0) }
        manifest.sha256 = ArchiveFiles.hex(hasher)
        try manifest.save(manifestPath)
    }

    /// Whether any row of the member is still in the table (then its delete did not commit).
    private static func rowsRemain(
        of member: ArchiveManifest.Member, in path: String, connection: PostgresConnection, schema: HealthSchema
    ) throws -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ArchiveError.cannotRead(path: path, errno: errno) }
        defer { close(descriptor) }
        var ids: [String] = []
        try ArchiveRecords.read(
            path: path, descriptor: descriptor, from: member.offset,
            onRecord: { record, _, isHeader in
                if !isHeader, let id = record.string(ArchiveFormat.idColumn) { ids.append(id) }
            },
            onMemberEnd: { _, _ in false })
        let idType = schema.logColumns.first { $0.name == "id" }?.formattedType ?? "text"
        for start in stride(from: 0, to: ids.count, by: 10_000) {
            let slice = ids[start..<min(ids.count, start + 10_000)]
            let found = try databaseStep("checking which archived rows are still in the table") {
                try connection.query(
                    "SELECT EXISTS (SELECT 1 FROM \(schema.logTable) WHERE \(quoteIdentifier("id")) = ANY($1::\(idType)[]))",
                    [Array(slice)]
                ).first?.bool(0) ?? false
            }
            if found { return true }
        }
        return false
    }
}
