import Contracts
import Logging
import RedisClient

/// Handles the messages of a batch whose handlers only return Redis commands: every command of
/// the batch in one pipeline, then the outcome for settlement. A message whose handler threw,
/// or one of whose commands failed, stays pending and is retried like any other.
struct RedisEffects: Sendable {
    let service: ServiceDefinition
    let keys: KeySpace
    let redis: any RedisCommandSender

    func handles(_ message: IncomingMessage) -> Bool {
        service.redisHandler(stream: message.stream, type: message.envelope.type) != nil
    }

    func apply(_ messages: [IncomingMessage]) async -> BatchOutcome {
        var failed: [Int: String] = [:]
        var commands: [RedisCommand] = []
        var owners: [Int] = []
        for (index, message) in messages.enumerated() {
            guard let handler = service.redisHandler(stream: message.stream, type: message.envelope.type) else { continue }
            do {
                let effects = try handler(message, keys)
                commands += effects
                owners += Array(repeating: index, count: effects.count)
            } catch {
                failed[index] = "\(error)"
            }
        }
        if !commands.isEmpty {
            do {
                for (offset, result) in try await redis.pipeline(commands).enumerated() {
                    if case .failure(let error) = result, failed[owners[offset]] == nil { failed[owners[offset]] = "\(error)" }
                }
            } catch {
                for index in Set(owners) where failed[index] == nil { failed[index] = "\(error)" }
            }
        }
        var outcome = BatchOutcome()
        for (index, message) in messages.enumerated() {
            if let error = failed[index] { outcome.failed.append((message, error)) } else { outcome.handled.append(message) }
        }
        return outcome
    }
}
