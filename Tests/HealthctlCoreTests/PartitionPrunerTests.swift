@testable import HealthctlCore
import Testing

@Suite struct PartitionPrunerTests {
    let day: Int64 = 86_400_000

    func child(_ lower: Int64?, _ upper: Int64?) -> PartitionPruner.Detached {
        let table = LogStorageTable(schema: "public", name: "child_\(lower ?? -1)")
        return PartitionPruner.Detached(
            child: LogPartition(
                table: table, isDefault: false, isPartitioned: false, lowerMs: lower, upperMs: upper, detachPending: false, comment: nil,
                boundSQL: ""),
            table: table)
    }

    @Test func childrenAreArchivedSideBySideOnlyWhenNoTwoShareADay() {
        #expect(PartitionPruner.sharesNoDay([child(0, day), child(day, 2 * day), child(2 * day, 9 * day)]), "days and a week")
        #expect(PartitionPruner.sharesNoDay([child(2 * day, 3 * day), child(0, day)]), "in any order")
        #expect(!PartitionPruner.sharesNoDay([child(0, day / 2), child(day / 2, day)]), "two halves of one day share its file")
        #expect(!PartitionPruner.sharesNoDay([child(nil, day), child(day, 2 * day)]), "a range from MINVALUE is not known")
        let leftover = PartitionPruner.Detached(child: nil, table: LogStorageTable(schema: "public", name: "left"))
        #expect(!PartitionPruner.sharesNoDay([leftover, child(day, 2 * day)]), "a table an interrupted run left has no known range")
        #expect(PartitionPruner.sharesNoDay([child(day, 2 * day)]))
    }
}
