import PostgresClient

/// What an archive file holds and where it lives.
///
/// One gzip-compressed CSV file per UTC day of `checkedAt`:
/// `DIR/IntegrationHealthLog/YYYY/MM/YYYY-MM-DD.csv.gz`, with `YYYY-MM-DD.manifest.json` beside it.
/// Each prune batch is one gzip member; the first member of a file starts with the header line,
/// so the decompressed file (all members concatenated) is one CSV document.
public enum ArchiveFormat {
    /// Column order of every archive file, fixed whatever the table's physical order.
    public static let columns = ["id", "integrationId", "status", "errorMessage", "responseTime", "checkedAt"]
    public static let idColumn = 0
    public static let integrationIdColumn = 1
    public static let checkedAtColumn = 5

    public static let headerLine = columns.joined(separator: ",") + "\n"
    public static let tableDirectory = HealthSchema.logTableName
    public static let dataSuffix = ".csv.gz"
    public static let manifestSuffix = ".manifest.json"

    /// `2026-10-20` for a UTC day given by any instant in it.
    public static func dayName(epochMilliseconds: Int64) -> String {
        String(PostgresTimestamp.format(epochMilliseconds: CalendarDay.start(containing: epochMilliseconds)).prefix(10))
    }

    /// `ROOT/IntegrationHealthLog/2026/10` for day `2026-10-20`.
    public static func directory(root: String, day: String) -> String {
        let parts = day.split(separator: "-")
        return "\(root)/\(tableDirectory)/\(parts[0])/\(parts[1])"
    }

    public static func dataPath(root: String, day: String) -> String {
        "\(directory(root: root, day: day))/\(day)\(dataSuffix)"
    }

    /// The manifest beside a data file: `2026-10-20.csv.gz` -> `2026-10-20.manifest.json`.
    public static func manifestPath(forDataFile path: String) -> String {
        String(path.dropLast(dataSuffix.count)) + manifestSuffix
    }

    /// The day a data file holds, from its name, or nil for a name that is not `YYYY-MM-DD.csv.gz`.
    public static func day(ofDataFile path: String) -> String? {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard name.hasSuffix(dataSuffix) else { return nil }
        let day = String(name.dropLast(dataSuffix.count))
        guard day.count == 10, ISOTime.parseEpochMilliseconds(day) != nil else { return nil }
        return day
    }

    /// The column list of `RETURNING` / `SELECT` in archive order: `checkedAt` as ISO 8601 UTC
    /// (`2026-10-20T14:05:00Z`, with as many fraction digits as the value has: `...:00.12Z`),
    /// everything else as PostgreSQL prints it. Needs `DateStyle` ISO (`isoDateStyleSQL`).
    static func selectList(_ schema: HealthSchema) -> String {
        columns.map { name in
            let column = quoteIdentifier(name)
            guard name == "checkedAt" else { return column }
            let utc = schema.checkedAtType == .timestamptz ? "(\(column) AT TIME ZONE 'UTC')" : column
            return "replace(\(utc)::text, ' ', 'T') || 'Z'"
        }.joined(separator: ", ")
    }

    /// The transaction setting that makes the timestamp text of `selectList` ISO.
    static let isoDateStyle: KeyValuePairs<String, String> = ["DateStyle": "ISO, YMD"]

    /// Chronological order of two archived `checkedAt` values. Plain byte order is wrong only
    /// for the closing `Z`, which sorts after the `.` of a fraction, so it is left out.
    static func checkedAtPrecedes<A: BidirectionalCollection<UInt8>, B: BidirectionalCollection<UInt8>>(_ a: A, _ b: B) -> Bool {
        let z = UInt8(ascii: "Z")
        return (a.last == z ? a.dropLast(1) : a.dropLast(0)).lexicographicallyPrecedes(b.last == z ? b.dropLast(1) : b.dropLast(0))
    }
}
