import Foundation
import Hummingbird
import Mustache

/// The templates, loaded once from the package's resources into one library; every page is
/// rendered into the `layout` template (Mustache inheritance), which draws the header.
struct PageRenderer: Sendable {
    let library: MustacheLibrary

    static func load() async throws -> PageRenderer {
        guard let folder = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            throw PageRendererError("the Templates resource folder is missing from the Web bundle")
        }
        let library = try await MustacheLibrary(directory: folder.path)
        for name in Template.allCases where library.getTemplate(named: name.rawValue) == nil {
            throw PageRendererError("template \(name.rawValue).mustache is missing")
        }
        return PageRenderer(library: library)
    }

    /// The page as HTML text.
    func render<Content: Sendable>(_ page: Page<Content>, _ template: Template) -> String {
        // Every template is checked at load time, so this cannot miss.
        library.render(page, withTemplate: template.rawValue) ?? ""
    }
}

/// Every page template; checked at start-up so a missing one fails the start, not a request.
enum Template: String, CaseIterable, Sendable {
    case layout
    case home
    case auth
    case ticketForm = "ticket-form"
    case ticket
    case myTickets = "my-tickets"
    case order
    case orders
    case working
    case error
}

struct PageRendererError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
