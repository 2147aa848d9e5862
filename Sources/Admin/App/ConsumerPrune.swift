import Contracts
import RedisClient

/// What `consumers prune` did, or would do, with each consumer idle longer than the threshold.
public struct PruneReport: Report, Hashable {
    public enum Outcome: String, Codable, Sendable, Hashable {
        /// Deleted from its group.
        case removed
        /// A dry run: would be deleted.
        case wouldRemove = "would-remove"
        /// Kept: it still has pending entries, which deleting it would drop from the group.
        case keptPending = "kept-pending"
        /// Kept: it read or claimed again between the look and the delete.
        case keptActive = "kept-active"
    }

    public struct Consumer: Codable, Sendable, Hashable {
        public var stream: String
        public var group: String
        public var name: String
        public var pending: Int
        public var idleMilliseconds: Int
        public var outcome: Outcome
    }

    public var dryRun: Bool
    public var idleThresholdMilliseconds: Int
    /// Every consumer idle longer than the threshold.
    public var consumers: [Consumer]
    /// Consumers idle for less, left alone.
    public var active: Int

    public var text: String {
        let threshold = Format.duration(milliseconds: Int64(idleThresholdMilliseconds))
        if consumers.isEmpty { return "no consumer has been idle longer than \(threshold); \(active) active left alone" }
        let summary = "\(consumers.filter { $0.outcome == .removed || $0.outcome == .wouldRemove }.count) of "
            + "\(consumers.count) consumers idle longer than \(threshold) \(dryRun ? "would be" : "were") removed; \(active) active left alone"
        var table = TextTable(("STREAM", .left), ("GROUP", .left), ("CONSUMER", .left), ("PENDING", .right), ("IDLE", .right), ("", .left))
        for consumer in consumers {
            let outcome: String
            switch consumer.outcome {
            case .removed: outcome = "removed"
            case .wouldRemove: outcome = "would remove"
            case .keptPending: outcome = "kept: has pending entries"
            case .keptActive: outcome = "kept: active again"
            }
            table.add(consumer.stream, consumer.group, consumer.name, String(consumer.pending),
                      Format.duration(milliseconds: Int64(consumer.idleMilliseconds)), outcome)
        }
        return table.text + "\n" + summary
    }
}

/// Deletes a consumer only if it still has no pending entries and is still idle longer than
/// the threshold, checked and done in one step: `XGROUP DELCONSUMER` drops a consumer's
/// pending entries from the group, so a consumer that read something after the admin looked
/// must not be deleted.
///
/// KEYS: the stream. ARGV: group, consumer, idle threshold in ms.
/// Answers 1 when deleted, 0 when it has pending entries, -1 when it is active again or gone.
enum PruneScript {
    static let script = RedisScript(#"""
        local consumers = redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])
        for _, consumer in ipairs(consumers) do
            local fields = {}
            for i = 1, #consumer, 2 do
                fields[consumer[i]] = consumer[i + 1]
            end
            if fields['name'] == ARGV[2] then
                if fields['pending'] > 0 then
                    return 0
                end
                if fields['idle'] <= tonumber(ARGV[3]) then
                    return -1
                end
                redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
                return 1
            end
        end
        return -1
        """#)
}

extension Admin {
    /// Deletes consumers that have no pending entries and have been idle longer than
    /// `threshold`, from every group of the stream named or of every stream. Workers name
    /// their consumers host-pid-random, so each process that ever ran leaves one behind.
    public func pruneConsumers(idleLongerThan threshold: Duration, stream: String? = nil, dryRun: Bool) async throws -> PruneReport {
        let milliseconds = Int((threshold / .milliseconds(1)).rounded(.down))
        guard milliseconds > 0 else { throw AdminError(.invalidInput, "the idle threshold must be positive") }
        let streams = if let stream { [try await existingStream(stream)] } else { try await catalog().streams }
        var report = PruneReport(dryRun: dryRun, idleThresholdMilliseconds: milliseconds, consumers: [], active: 0)
        for key in streams {
            for group in try await unlessGone(key, { try await redis.xinfoGroups(key) }) ?? [] {
                for consumer in try await unlessGone(key, { try await redis.xinfoConsumers(key, group: group.name) }) ?? [] {
                    guard consumer.idleMilliseconds > milliseconds else {
                        report.active += 1
                        continue
                    }
                    var outcome = PruneReport.Outcome.keptPending
                    if consumer.pending == 0 {
                        outcome = dryRun ? .wouldRemove : try await delete(consumer.name, of: group.name, on: key, idleLongerThan: milliseconds)
                    }
                    report.consumers.append(.init(
                        stream: key, group: group.name, name: consumer.name, pending: consumer.pending,
                        idleMilliseconds: consumer.idleMilliseconds, outcome: outcome))
                }
            }
        }
        return report
    }

    private func delete(_ consumer: String, of group: String, on stream: String, idleLongerThan milliseconds: Int) async throws -> PruneReport.Outcome {
        let reply = try await redis.evalScript(PruneScript.script, keys: [stream], args: [group, consumer, milliseconds])
        switch try reply.asInt() {
        case 1: return .removed
        case 0: return .keptPending
        default: return .keptActive
        }
    }
}
