/// The behaviour hints a server declares for a tool in `tools/list`. Untrusted.
package struct ToolAnnotations: Sendable, Hashable {
    package var readOnlyHint: Bool?
    package var destructiveHint: Bool?
    package var idempotentHint: Bool?
    package var openWorldHint: Bool?

    package init(
        readOnlyHint: Bool? = nil, destructiveHint: Bool? = nil, idempotentHint: Bool? = nil, openWorldHint: Bool? = nil
    ) {
        self.readOnlyHint = readOnlyHint
        self.destructiveHint = destructiveHint
        self.idempotentHint = idempotentHint
        self.openWorldHint = openWorldHint
    }

    /// Reads the `annotations` object of a tool definition; unknown or mistyped fields are ignored.
    package init(_ value: JSONValue) {
        readOnlyHint = value["readOnlyHint"]?.boolValue
        destructiveHint = value["destructiveHint"]?.boolValue
        idempotentHint = value["idempotentHint"]?.boolValue
        openWorldHint = value["openWorldHint"]?.boolValue
    }

    /// The class the hints suggest: read only for an explicit `readOnlyHint: true`, otherwise write.
    package var suggestedClass: ToolClass { readOnlyHint == true ? .read : .write }
}
