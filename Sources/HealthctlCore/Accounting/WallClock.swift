import Foundation
import PostgresClient

/// A time of day on a wall clock, `HH:MM` from `00:00` to `24:00`.
public struct WallTime: Sendable, Equatable, Comparable {
    public var minutes: Int

    public init?(text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let hour = Int(parts[0]), let minute = Int(parts[1]), minute < 60, hour < 24 || (hour == 24 && minute == 0)
        else { return nil }
        minutes = hour * 60 + minute
    }

    public var text: String {
        let hour = minutes / 60
        let minute = minutes % 60
        return "\(hour < 10 ? "0" : "")\(hour):\(minute < 10 ? "0" : "")\(minute)"
    }

    public static func < (lhs: WallTime, rhs: WallTime) -> Bool { lhs.minutes < rhs.minutes }
}

/// Wall-clock dates and times of one time zone, turned into instants across DST changes.
public struct WallClock: Sendable, Equatable {
    public let zone: TimeZone

    public init?(identifier: String) {
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        self.zone = zone
    }

    public init(zone: TimeZone) { self.zone = zone }

    public var identifier: String { zone.identifier }

    /// The instant (ms) at which clocks in the zone show `time` on `date`. A time that does not
    /// exist (skipped by a change to summer time) is moved later by the length of the gap; a
    /// time that exists twice (the change back) is its first occurrence.
    public func instant(_ date: CalendarDay, _ time: WallTime) -> Int64 {
        let wallSeconds = date.startMs / 1000 + Int64(time.minutes) * 60
        let before = offset(atSeconds: wallSeconds - 86_400)
        let after = offset(atSeconds: wallSeconds + 86_400)
        let candidates = [before, after].map { wallSeconds - Int64($0) }.filter { Int64(offset(atSeconds: $0)) == wallSeconds - $0 }
        if let first = candidates.min() { return first * 1000 }
        // In the gap: read the wall time with the offset before the change.
        return (wallSeconds - Int64(before)) * 1000
    }

    /// The zone's calendar day holding the instant.
    public func date(containing ms: Int64) -> CalendarDay {
        CalendarDay(containing: ms + Int64(offset(atSeconds: floorDivMod(ms, 1000).quotient)) * 1000)
    }

    private func offset(atSeconds seconds: Int64) -> Int {
        zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}

/// Days of the week as settings spell them: `mon` … `sun`, ISO numbered 1 … 7.
public enum Weekday {
    public static let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    public static func number(_ name: String) -> Int? { names.firstIndex(of: name.lowercased()).map { $0 + 1 } }
    public static func name(_ number: Int) -> String { names[number - 1] }
}
