import Logging
import RedisClient

/// Trims the streams this service reads, all the time, so Redis holds what is still needed
/// and a floor for people to look at, not every entry ever written.
///
/// The rule is the admin tool's `trim`: nothing at or above the oldest entry some consumer
/// group of the stream still needs is removed (its oldest pending entry, or with none pending
/// its last delivered one). The floor keeps at least `STREAM_KEEP_ENTRIES` entries and every
/// entry younger than `STREAM_KEEP_SECONDS`. Dead-letter and reply streams are read by no
/// worker's group and are never trimmed here.
///
/// Every copy of every service reading a stream trims it; the script is atomic, so copies
/// never disagree and a trim never races a read or an acknowledgement. It runs beside the
/// consumers, not on the path of a message.
struct StreamRetention: Sendable {
    let streams: [String]
    let configuration: WorkerConfiguration
    let redis: RedisClient
    let metrics: WorkerMetrics
    let logger: Logger

    func run(until stop: StopSignal) async {
        while !stop.isStopped {
            for stream in streams where !stop.isStopped {
                do {
                    metrics.trimmed(try await trim(stream))
                } catch {
                    logger.warning("trimming a stream failed", metadata: ["stream": "\(stream)", "error": "\(error)"])
                }
            }
            await stop.sleep(for: configuration.streamTrimInterval)
        }
    }

    /// Trims `stream` once; returns the entries removed.
    func trim(_ stream: String) async throws -> Int {
        try await redis.evalScript(
            RetentionScript.script, keys: [stream],
            args: [configuration.streamKeepEntries, configuration.streamKeepAge.redisMilliseconds, RetentionScript.mostPerCall]
        ).asInt()
    }
}

/// One trim of one stream, decided and done in one atomic step.
///
/// `XTRIM MINID ~` removes only whole nodes below the bound, which is cheap and never more
/// than asked; its `LIMIT` (the entries above the floor, at most ``mostPerCall``) keeps the
/// floor without reading the entries to count them, and bounds the time one call holds Redis.
///
/// KEYS: the stream. ARGV: entries to keep at least, milliseconds of entries to keep at least,
/// the most entries to remove in one call.
enum RetentionScript {
    static let mostPerCall = 100_000

    static let script = RedisScript(#"""
        local length = redis.call('XLEN', KEYS[1])
        local keepEntries = tonumber(ARGV[1])
        if length <= keepEntries then
            return 0
        end
        local function parse(id)
            local ms, seq = string.match(id, '^(%d+)-(%d+)$')
            return tonumber(ms), tonumber(seq)
        end
        local function below(a, b)
            local am, as = parse(a)
            local bm, bs = parse(b)
            return am < bm or (am == bm and as < bs)
        end
        local groups = redis.call('XINFO', 'GROUPS', KEYS[1])
        if #groups == 0 then
            return 0
        end
        local bound = nil
        for _, group in ipairs(groups) do
            local fields = {}
            for i = 1, #group, 2 do
                fields[group[i]] = group[i + 1]
            end
            local needed = fields['last-delivered-id']
            if fields['pending'] > 0 then
                needed = redis.call('XPENDING', KEYS[1], fields['name'])[2]
            end
            if bound == nil or below(needed, bound) then
                bound = needed
            end
        end
        local keepMilliseconds = tonumber(ARGV[2])
        if keepMilliseconds > 0 then
            local clock = redis.call('TIME')
            local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
            local young = string.format('%d-0', math.max(now - keepMilliseconds, 0))
            if below(young, bound) then
                bound = young
            end
        end
        return redis.call('XTRIM', KEYS[1], 'MINID', '~', bound, 'LIMIT', math.min(length - keepEntries, tonumber(ARGV[3])))
        """#)
}
