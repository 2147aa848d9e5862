import Contracts
import Hummingbird
import Logging
import Metrics
import Observability
import PasswordSeal
import PostgresClient
import Prometheus
import RedisClient
import ServiceLifecycle

/// Builds the API: clients, the reply reader, routes and middleware. The executable and the
/// tests both call it. Nothing connects here, so an API whose Redis or Postgres is down still
/// starts and says so on `/readyz`; what cannot work (a production API without a real signing
/// key) throws. With a `metrics` registry (the one swift-metrics was bootstrapped with), it
/// counts requests by route and status and serves them on `/metrics` of the operations port
/// (`METRICS_PORT`), never on the public one. `pages` adds routes
/// served beside the JSON API (the web pages), after the API's own and behind its session
/// middleware, with the API's command bus and repositories to use in-process; the services
/// it returns run with the application's (started after the clients, stopped before them).
public func buildApplication(
    configuration: APIConfiguration,
    logger: Logger = Logger(label: "api"),
    metrics: PrometheusCollectorRegistry? = nil,
    pages: (@Sendable (Router<APIRequestContext>, APIServices) async throws -> [any Service])? = nil
) async throws -> some ApplicationProtocol {
    try configuration.validate()
    let signing = configuration.signingKey
    if signing.isDevelopmentDefault {
        logger.warning("JWT_KEY is not set: signing sessions with the DEVELOPMENT key; never run like this in production")
    }
    let sealKeys = try configuration.passwordSeal()
    if sealKeys.includesDevelopmentKey {
        logger.warning("PASSWORD_SEAL_KEYS is not set: sealing passwords with the DEVELOPMENT key; never run like this in production")
    }

    if configuration.environment == .production && configuration.publicOrigins.isEmpty {
        logger.warning("PUBLIC_ORIGIN is not set: cross-site checks compare Origin with the request's Host header")
    }
    let keys = configuration.keys
    let redis = try RedisClient(configuration: try RedisConfiguration(url: configuration.redisURL), logger: logger)
    let databaseConfiguration = try PostgresConfiguration(
        ReadOnlyDatabase.connectionString(configuration.databaseURL), poolSize: 4, applicationName: "api")
    let database = PostgresClient(configuration: databaseConfiguration, logger: logger)

    // Into `metrics` when given (tests read them there), else wherever swift-metrics goes.
    let security = SecurityMetrics(factory: metrics.map { MetricsRegistry.factory($0) as any MetricsFactory } ?? MetricsSystem.factory)
    let waiters = ReplyWaiters()
    let replyStream = keys.replies(configuration.instance)
    let replyChannel = configuration.replyNotify ? ReplyNotice.channel(forReplyStream: replyStream) : nil
    let bus = CommandBus(
        redis: redis, keys: keys, replyStream: replyStream, replyNotify: replyChannel, waiters: waiters,
        timeout: configuration.commandTimeout, sealer: PasswordSealer(keys: sealKeys), security: security)
    let tokens = await SessionTokens(
        keys: configuration.signingKeys, revocations: SessionRevocations(redis: redis, keys: keys))
    let cookie = SessionCookie(secure: configuration.secureCookies)
    let outcomes = PostgresCommandOutcomeRepository(database: database)
    let limits = CommandLimits(
        redis: redis, keys: keys, limits: configuration.limits,
        digestKey: APIServices.derivedKey(secret: signing.key, purpose: "ticketing-limits-v1"),
        addresses: ClientAddressResolver(trustedProxies: try configuration.trustedNetworks))
    let dispatcher = CommandDispatcher(bus: bus, outcomes: outcomes, tokens: tokens, cookie: cookie, limits: limits)
    let body = JSONBody(maxBytes: configuration.maxBodyBytes)

    let router = Router(context: APIRequestContext.self)
    if metrics != nil {
        // Outermost, so it counts the status the error middleware settled on.
        router.middlewares.add(MetricsMiddleware())
    }
    // Outside the error middleware, so error responses carry the headers too.
    router.middlewares.add(SecurityHeadersMiddleware(strictTransport: configuration.secureCookies))
    router.middlewares.add(ErrorMiddleware(security: security))
    router.middlewares.add(SameOriginMiddleware(origins: try configuration.allowedOrigins))
    // Placing an order checks the token's revocation with its rate limit, in one round trip.
    router.middlewares.add(SessionMiddleware(tokens: tokens, cookie: cookie, admissionChecked: ["POST /api/orders"]))
    let readiness = CachedReadiness(ServersReadiness(redis: redis, database: database, timeout: configuration.readinessTimeout))
    HealthController(readiness: readiness).addRoutes(to: router)
    UsersController(dispatcher: dispatcher, body: body, cookie: cookie, tokens: tokens).addRoutes(to: router.group("api/users"))
    let tickets = PostgresTicketRepository(database: database)
    let orders = PostgresOrderRepository(database: database)
    TicketsController(dispatcher: dispatcher, repository: tickets, body: body)
        .addRoutes(to: router.group("api/tickets"))
    OrdersController(dispatcher: dispatcher, repository: orders, body: body)
        .addRoutes(to: router.group("api/orders"))
    PaymentsController(dispatcher: dispatcher, body: body).addRoutes(to: router.group("api/payments"))
    let sender = BusCommandSender(bus: bus, outcomes: outcomes)
    CommandsController(dispatcher: dispatcher, sender: sender).addRoutes(to: router.group("api/commands"))
    OpenAPIDocument.addRoute(to: router)
    var pageServices: [any Service] = []
    if let pages {
        pageServices = try await pages(router, APIServices(
            commands: sender, tickets: tickets, orders: orders,
            sessions: TokenSessionIssuer(tokens: tokens, cookie: cookie),
            pageKey: APIServices.derivedKey(secret: signing.key, purpose: "ticketing-pages-v1"),
            redis: redis, keys: keys, secureCookies: configuration.secureCookies, limits: limits))
    }
    var operations: [any Service] = []
    if let metrics, let port = configuration.metricsPort {
        operations.append(OperationsServer.make(
            host: configuration.metricsHost, port: port, registry: metrics, readiness: readiness, logger: logger))
    }

    var readers: [any Service] = [
        ReplyReader(redis: redis, stream: replyStream, waiters: waiters, block: configuration.replyBlock, logger: logger),
    ]
    if let replyChannel {
        var listening = databaseConfiguration
        listening.applicationName = "api-replies"
        readers.append(ReplyNoticeListener(configuration: listening, channel: replyChannel, waiters: waiters, logger: logger))
    }
    logger.info("api configured", metadata: [
        "environment": "\(configuration.environment.rawValue)", "instance": "\(configuration.instance)",
        "reply_stream": "\(replyStream)", "reply_channel": "\(replyChannel ?? "off")", "key_prefix": "\(keys.prefix)",
    ])
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "ticketing-api"),
        // Clients first, so they stop last: the server and the reader finish before they close.
        services: [ClientsService(redis: redis, database: database)] + readers + pageServices + operations,
        logger: logger)
}

/// Owns the Redis and Postgres clients' lifetime: closes them on graceful shutdown.
struct ClientsService: Service {
    let redis: RedisClient
    let database: PostgresClient

    func run() async throws {
        try? await gracefulShutdown()
        await redis.shutdown()
        await database.close()
    }
}
