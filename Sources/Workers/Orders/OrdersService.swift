import Contracts
import ExpirationService
import Foundation
import PostgresClient
import WorkerRuntime

/// The orders service: CreateOrder and CancelOrder; a replica of the tickets; the end of each
/// order by expiry or payment; and a reconciler that expires what Redis forgot.
public enum OrdersService {
    /// The worker's definition. Settings left nil come from the environment (see
    /// ``OrdersSettings``), then the defaults; tests pass them.
    public static func definition(
        configuration: WorkerConfiguration,
        orderTTL: Duration? = nil,
        reconcileInterval: Duration? = nil,
        expiryGrace: Duration? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ServiceDefinition {
        var settings = try OrdersSettings.fromEnvironment(environment)
        if let orderTTL { settings.orderTTL = orderTTL }
        if let reconcileInterval { settings.reconcileInterval = reconcileInterval }
        if let expiryGrace { settings.expiryGrace = expiryGrace }
        return try definition(configuration: configuration, settings: settings)
    }

    public static func definition(configuration: WorkerConfiguration, settings: OrdersSettings) throws -> ServiceDefinition {
        let keys = configuration.keys
        var service = ServiceDefinition(name: ServiceName.orders.rawValue)
        guard let migrations = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
            throw ConfigurationError("the orders migrations are missing from the service's resources")
        }
        service.migrations = [(schema: ServiceName.orders.rawValue, migrations: try Migration.load(from: migrations))]

        let commands = OrderCommandHandlers(orderTTL: settings.orderTTL)
        // Both act only within the transaction: first deliveries skip the inbox check.
        service.on(CreateOrder.type, in: keys.commands(.orders), transactionOnly: true, commands.create)
        // Each order goes on the expiration schedule as it is announced, with the same durability.
        service.onPublishing(OrderCreated.type, ExpirationScheduling.onOrderCreated)
        service.on(CancelOrder.type, in: keys.commands(.orders), transactionOnly: true, commands.cancel)
        service.on(TicketCreated.type, in: keys.events(TicketCreated.name), TicketReplicaHandlers.created)
        service.on(TicketUpdated.type, in: keys.events(TicketUpdated.name), TicketReplicaHandlers.updated)
        service.on(ExpirationComplete.type, in: keys.events(ExpirationComplete.name), OrderOutcomeHandlers.expired)
        service.on(PaymentCreated.type, in: keys.events(PaymentCreated.name), OrderOutcomeHandlers.paid)

        let reconciler = ExpiryReconciler(interval: settings.reconcileInterval, grace: settings.expiryGrace)
        service.loop("expiry-reconciler") { resources, stop in
            await reconciler.run(resources, until: stop)
        }
        return service
    }
}
