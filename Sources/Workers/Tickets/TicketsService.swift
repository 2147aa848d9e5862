import Contracts
import Foundation
import PostgresClient
import WorkerRuntime

/// Tickets: CreateTicket and UpdateTicket from the API, reservations from the orders
/// service's events; announces ticket:created and ticket:updated.
public enum TicketsService {
    public static func definition(configuration: WorkerConfiguration) throws -> ServiceDefinition {
        guard let directory = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
            throw ConfigurationError("the tickets migrations are missing from the service's resources")
        }
        let keys = configuration.keys
        var service = ServiceDefinition(name: ServiceName.tickets.rawValue)
        service.migrations = [(schema: ServiceName.tickets.rawValue, migrations: try Migration.load(from: directory))]
        // Both act only within the transaction: first deliveries skip the inbox check.
        service.on(CreateTicket.type, in: keys.commands(.tickets), transactionOnly: true, CreateTicketHandler.handle)
        service.on(UpdateTicket.type, in: keys.commands(.tickets), transactionOnly: true, UpdateTicketHandler.handle)
        service.on(OrderCreated.type, in: keys.events(.orderCreated), ReservationHandlers.reserve)
        service.on(OrderCancelled.type, in: keys.events(.orderCancelled), ReservationHandlers.release)
        return service
    }
}
