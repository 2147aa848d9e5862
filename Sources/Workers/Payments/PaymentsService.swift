import Contracts
import Foundation
import PostgresClient
import WorkerRuntime

/// The payments service: keeps a replica of orders, charges for them through a
/// ``PaymentGateway``, and gives the money back when an order it was paid for gets cancelled.
public enum PaymentsService {
    /// Prices in the fleet are US cents.
    public static let currency = "usd"

    /// - Parameters:
    ///   - gateway: where charges go; nil picks one from `environment` (see ``GatewaySelection``).
    ///   - environment: read only when `gateway` is nil.
    /// - Throws: `ConfigurationError` when the environment asks for something that cannot
    ///   work, such as production without `STRIPE_KEY`.
    public static func definition(
        configuration: WorkerConfiguration,
        gateway: (any PaymentGateway)? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ServiceDefinition {
        let gateway = try gateway ?? GatewaySelection.gateway(environment: environment)
        guard let migrations = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
            throw ConfigurationError("the payments migrations are missing from the worker's resources")
        }
        let keys = configuration.keys
        var service = ServiceDefinition(name: ServiceName.payments.rawValue)
        service.migrations = [(schema: ServiceName.payments.rawValue, migrations: try Migration.load(from: migrations))]

        let createPayment = CreatePaymentHandler(gateway: gateway)
        service.on(CreatePayment.type, in: keys.commands(.payments)) { message, context in
            try await createPayment.handle(message, context)
        }
        service.on(OrderCreated.type, in: keys.events(.orderCreated)) { message, context in
            try await OrderReplica.created(message, context)
        }
        let cancellation = OrderCancellationHandler(gateway: gateway)
        service.on(OrderCancelled.type, in: keys.events(.orderCancelled)) { message, context in
            try await cancellation.handle(message, context)
        }
        return service
    }
}
