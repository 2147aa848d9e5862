import API
import Contracts

struct TicketRow: Sendable {
    var id: String
    var title: String
    var price: String
    var href: String

    init(_ ticket: TicketView) {
        id = ticket.id
        title = ticket.title
        price = Formatting.money(dollars: ticket.price)
        href = "/tickets/\(ticket.id)"
    }
}

// Mustache reads stored properties only (through Mirror): flags are stored, not computed.
struct HomeView: Sendable {
    var tickets: [TicketRow]
    var pageNumber: Int
    var previousHref: String?
    var nextHref: String?
    var hasTickets: Bool
    var hasPages: Bool

    init(tickets: [TicketRow], pageNumber: Int, previousHref: String?, nextHref: String?) {
        self.tickets = tickets; self.pageNumber = pageNumber; self.previousHref = previousHref; self.nextHref = nextHref
        hasTickets = !tickets.isEmpty
        hasPages = previousHref != nil || nextHref != nil
    }
}

/// The sell form and the owner's edit form.
struct TicketFormView: Sendable {
    var heading: String
    var action: String
    var submitLabel: String
    var cancelHref: String
    var title: Field
    var price: Field
    var errors: [String]
    /// Reserved: the form is shown disabled, with the reason.
    var lockedReason: String?

    static func new(title: String = "", price: String = "", errors: FormErrors = FormErrors()) -> TicketFormView {
        TicketFormView(
            heading: "Sell a ticket", action: "/tickets", submitLabel: "List ticket", cancelHref: "/",
            title: Field(title, error: errors.field("title")), price: Field(price, error: errors.field("price", "priceCents")),
            errors: errors.general, lockedReason: nil)
    }

    static func edit(_ ticket: TicketView, title: String? = nil, price: String? = nil, errors: FormErrors = FormErrors()) -> TicketFormView {
        TicketFormView(
            heading: "Edit ticket", action: "/tickets/\(ticket.id)", submitLabel: "Save changes", cancelHref: "/tickets/\(ticket.id)",
            title: Field(title ?? ticket.title, error: errors.field("title")),
            price: Field(price ?? Formatting.plainPrice(dollars: ticket.price), error: errors.field("price", "priceCents")),
            errors: errors.general,
            lockedReason: ticket.orderId == nil ? nil : "This ticket is reserved or sold, so it cannot be changed. A reservation ends if the buyer does not pay in time.")
    }
}

/// `/tickets/:id`: what it is, whether it can be bought, and by whom.
struct TicketPageView: Sendable {
    var id: String
    var title: String
    var price: String
    var reserved: Bool
    var sold: Bool
    var statusLabel: String
    var statusClass: String
    var isOwner: Bool
    var editHref: String
    var editDisabledReason: String?
    var canPurchase: Bool
    var purchaseAction: String
    var signInHref: String?
    var yourOrderHref: String?
    var reservedByOther: Bool
    var soldToOther: Bool
    var errors: [String]

    init(ticket: TicketView, sold: Bool, session: Session?, yourOrder: OrderView?, errors: FormErrors, path: String) {
        id = ticket.id
        title = ticket.title
        price = Formatting.money(dollars: ticket.price)
        reserved = ticket.orderId != nil
        self.sold = reserved && sold
        (statusLabel, statusClass) = self.sold ? ("Sold", "sold") : reserved ? ("Reserved", "reserved") : ("Available", "available")
        isOwner = session?.userID == ticket.userId
        editHref = "/tickets/\(ticket.id)/edit"
        editDisabledReason = !isOwner || !reserved ? nil
            : self.sold ? "This ticket is sold, so it can no longer be changed."
            : "You cannot edit this ticket while a buyer has it reserved."
        canPurchase = session != nil && !isOwner && !reserved
        purchaseAction = "/tickets/\(ticket.id)/purchase"
        signInHref = session == nil && !reserved ? "/auth/signin?next=\(Site.queryEscape(path))" : nil
        yourOrderHref = yourOrder.map { "/orders/\($0.id)" }
        reservedByOther = reserved && !self.sold && yourOrder == nil && !isOwner
        soldToOther = self.sold && yourOrder == nil && !isOwner
        self.errors = errors.general + errors.byField.values.sorted()
    }
}

/// `/tickets/mine`: the seller's tickets and what has become of each.
struct MyTicketsView: Sendable {
    struct Row: Sendable {
        var title: String
        var price: String
        var href: String
        var status: String
        var statusClass: String
    }

    var tickets: [Row]
    var hasTickets: Bool

    init(_ owned: [OwnedTicket]) {
        hasTickets = !owned.isEmpty
        tickets = owned.map { item in
            let (status, style) = item.sold ? ("Sold", "sold") : item.ticket.orderId != nil ? ("Reserved", "reserved") : ("Available", "available")
            return Row(
                title: item.ticket.title, price: Formatting.money(dollars: item.ticket.price),
                href: "/tickets/\(item.ticket.id)", status: status, statusClass: style)
        }
    }
}
