import Contracts
import Hummingbird

/// `/api/users`: sign-up and sign-in go to the auth service (which hashes and checks
/// passwords); the session itself is the API's signed cookie.
struct UsersController {
    let dispatcher: CommandDispatcher
    let body: JSONBody
    let cookie: SessionCookie
    let tokens: SessionTokens

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.post("/signup") { request, context in
            let command = try await body.decode(CredentialsInput.self, from: request).signUp()
            return try await dispatcher.dispatch(command, request: request, context: context)
        }
        group.post("/signin") { request, context in
            let command = try await body.decode(CredentialsInput.self, from: request).signIn()
            return try await dispatcher.dispatch(command, request: request, context: context)
        }
        // Revokes the token presented (cookie or Bearer), so a copy of it stops working too.
        group.post("/signout") { _, context in
            if let session = context.session { try await tokens.revoke(session) }
            var response = JSONResponse.raw(status: .ok, json: "{}")
            response.setCookie(cookie.clearing())
            return response
        }
        group.get("/currentuser") { _, context in
            JSONResponse.make(status: .ok, body: CurrentUser(currentUser: context.session?.user))
        }
    }
}

/// `{"currentUser": user or null}`: null is written out, as clients test for it.
struct CurrentUser: Encodable {
    var currentUser: UserView?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(currentUser, forKey: .currentUser)
    }

    private enum CodingKeys: String, CodingKey { case currentUser }
}
