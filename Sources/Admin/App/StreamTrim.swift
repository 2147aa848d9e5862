import Contracts
import RedisClient

/// What `trim` did, or with `--dry-run` would do, to each stream.
public struct TrimReport: Report, Hashable {
    public struct Stream: Codable, Sendable, Hashable {
        public var name: String
        /// Entries before trimming.
        public var length: Int
        /// Entries below this id go; nil when the stream is left alone.
        public var keepFrom: String?
        /// Entries removed, or that a real run would remove.
        public var removed: Int
        /// Why the stream is left alone.
        public var skipped: String?
    }

    public var dryRun: Bool
    public var streams: [Stream]

    public var text: String {
        if streams.isEmpty { return "no streams to trim" }
        var table = TextTable(("STREAM", .left), ("LENGTH", .right), ("KEEP FROM", .left), (dryRun ? "WOULD REMOVE" : "REMOVED", .right), ("", .left))
        for stream in streams {
            table.add(stream.name, String(stream.length), stream.keepFrom ?? "-", String(stream.removed), stream.skipped ?? "")
        }
        return table.text + (dryRun ? "\n(dry run: nothing was removed)" : "")
    }
}

/// How far a stream may be trimmed, and the consumer groups that says so.
public struct TrimPlan: Sendable, Hashable {
    public var stream: String
    /// The groups on the stream when the plan was made, sorted.
    public var groups: [String]
    /// The oldest entry some group still needs: nothing at or above it is removed.
    public var keepFrom: StreamID
}

/// Trims to the plan's id only if the stream still has exactly the groups the plan was made
/// from. A group created in between (a new service starts reading from the beginning) may
/// need entries the plan would drop; then the script trims nothing and answers -1.
///
/// KEYS: the stream. ARGV: the id to keep from, then the plan's groups.
enum TrimScript {
    static let script = RedisScript(#"""
        local groups = redis.call('XINFO', 'GROUPS', KEYS[1])
        if #groups ~= #ARGV - 1 then
            return -1
        end
        local present = {}
        for _, group in ipairs(groups) do
            for i = 1, #group, 2 do
                if group[i] == 'name' then
                    present[group[i + 1]] = true
                end
            end
        end
        for i = 2, #ARGV do
            if not present[ARGV[i]] then
                return -1
            end
        end
        return redis.call('XTRIM', KEYS[1], 'MINID', '=', ARGV[1])
        """#)
}

extension Admin {
    /// Trims the stream named, or every command and event stream, below what every one of its
    /// consumer groups has acknowledged. Streams with no groups, dead-letter streams and reply
    /// streams are left alone.
    public func trim(stream: String? = nil, dryRun: Bool) async throws -> TrimReport {
        let streams: [String]
        if let stream {
            let key = try await existingStream(stream)
            if keys.stream(ofDead: key) != nil { throw AdminError(.invalidInput, "dead-letter streams are never trimmed; replay their letters instead") }
            if keys.isReplies(key) { throw AdminError(.invalidInput, "reply streams are never trimmed; they are capped and expire on their own") }
            streams = [key]
        } else {
            streams = try await catalog().streams.filter { !keys.isReplies($0) }
        }
        var report = TrimReport(dryRun: dryRun, streams: [])
        for key in streams {
            let length = try await redis.xlen(key)
            guard var plan = try await trimPlan(key) else {
                report.streams.append(.init(name: key, length: length, keepFrom: nil, removed: 0, skipped: "no consumer groups"))
                continue
            }
            var removed = dryRun ? try await countBelow(plan.keepFrom, in: key) : try await apply(plan)
            var attempts = 1
            while removed == nil {
                guard attempts < 5, let fresh = try await trimPlan(key) else {
                    throw AdminError(.keepsChanging, "the consumer groups of \(key) kept changing while it was being trimmed; run trim again")
                }
                plan = fresh
                removed = try await apply(plan)
                attempts += 1
            }
            report.streams.append(.init(name: key, length: length, keepFrom: plan.keepFrom.description, removed: removed ?? 0, skipped: nil))
        }
        return report
    }

    /// The oldest entry any group of `stream` still needs; nil when it has no groups.
    ///
    /// For each group that is its oldest pending entry, or, with none pending, the entry after
    /// the last one delivered to it: everything older was delivered and acknowledged, and
    /// nothing not yet delivered to every group is ever below the bound.
    ///
    /// Groups are read before their pending entries. Both only move forward while workers run:
    /// new deliveries have ids above the last-delivered id read here, and acknowledgements only
    /// shrink the pending list, so a bound computed from this snapshot stays safe until the
    /// trim however much the workers read or acknowledge in between. (Reading pending first
    /// would not be: entries delivered between the two reads could be pending yet below a
    /// later last-delivered id.) A group created in between is caught by ``TrimScript``; moving a
    /// group back with `XGROUP SETID` while trimming is not, and is not something the fleet does.
    public func trimPlan(_ stream: String) async throws -> TrimPlan? {
        let groups = try await redis.xinfoGroups(stream)
        if groups.isEmpty { return nil }
        var keepFrom: StreamID?
        for group in groups {
            let pending = try await redis.xpendingSummary(stream, group: group.name)
            let needed: StreamID?
            if pending.count > 0, let oldest = pending.smallestID {
                needed = StreamID(oldest)
            } else {
                needed = StreamID(group.lastDeliveredID)?.successor
            }
            guard let needed else {
                throw AdminError(.redis, "cannot tell which entries group \(group.name) of \(stream) still needs (last delivered \(group.lastDeliveredID))")
            }
            keepFrom = min(keepFrom ?? needed, needed)
        }
        return keepFrom.map { TrimPlan(stream: stream, groups: groups.map(\.name).sorted(), keepFrom: $0) }
    }

    /// Trims by `plan`; returns the entries removed, or nil when the stream's groups changed
    /// since the plan was made (make a new one).
    public func apply(_ plan: TrimPlan) async throws -> Int? {
        let reply = try await redis.evalScript(TrimScript.script, keys: [plan.stream], args: [plan.keepFrom.description] + plan.groups)
        let removed = try reply.asInt()
        return removed < 0 ? nil : removed
    }

    /// Entries of `stream` with ids below `id`, counted a page at a time.
    private func countBelow(_ id: StreamID, in stream: String) async throws -> Int {
        if id == .zero { return 0 }
        var count = 0
        var start = "-"
        while true {
            let page = try await redis.xrange(stream, start: start, end: "(\(id)", count: 1000)
            count += page.count
            guard page.count == 1000, let last = page.last else { return count }
            start = "(" + last.id
        }
    }
}
