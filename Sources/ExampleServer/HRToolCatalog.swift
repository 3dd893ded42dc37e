/// One input parameter of an HR tool, rendered into the tool's JSON Schema.
struct HRToolParameter: Sendable {
    /// Property name in the arguments object.
    let name: String
    /// JSON Schema type: "string", "number" or "integer".
    let type: String
    /// Human-readable description.
    let description: String
    /// Whether the argument must be present.
    var required = true
    /// Allowed values for a string parameter, if restricted.
    var allowedValues: [String]? = nil
    /// Inclusive lower bound for a numeric parameter.
    var minimum: Double? = nil
    /// Exclusive lower bound for a numeric parameter.
    var exclusiveMinimum: Double? = nil
    /// Inclusive upper bound for a numeric parameter.
    var maximum: Double? = nil

    /// The JSON Schema fragment describing this parameter.
    var schema: [String: Any] {
        var schema: [String: Any] = ["type": type, "description": description]
        if let allowedValues { schema["enum"] = allowedValues }
        if let minimum { schema["minimum"] = Employee.salaryJSON(minimum) }
        if let exclusiveMinimum { schema["exclusiveMinimum"] = Employee.salaryJSON(exclusiveMinimum) }
        if let maximum { schema["maximum"] = Employee.salaryJSON(maximum) }
        return schema
    }
}

/// Static description of one HR tool as advertised by `tools/list`.
struct HRToolDefinition: Sendable {
    /// Tool name used in `tools/call`.
    let name: String
    /// Human-readable title.
    let title: String
    /// Description shown to the model.
    let description: String
    /// Input parameters.
    let parameters: [HRToolParameter]
    /// Whether the tool leaves the data set unchanged.
    let readOnly: Bool
    /// Whether the tool may destroy data.
    let destructive: Bool
    /// Whether repeating the call with the same arguments has no further effect.
    let idempotent: Bool

    /// The tool object for a `tools/list` result.
    var jsonObject: [String: Any] {
        var properties: [String: Any] = [:]
        for parameter in parameters { properties[parameter.name] = parameter.schema }
        let inputSchema: [String: Any] = [
            "type": "object",
            "properties": properties,
            "required": parameters.filter(\.required).map(\.name),
        ]
        let annotations: [String: Any] = [
            "readOnlyHint": readOnly,
            "destructiveHint": destructive,
            "idempotentHint": idempotent,
            "openWorldHint": false,
        ]
        return [
            "name": name, "title": title, "description": description,
            "inputSchema": inputSchema, "annotations": annotations,
        ]
    }
}

/// The fixed list of tools the example HR server offers, in `tools/list` order.
enum HRToolCatalog {
    /// Largest `size_bytes` accepted by `get_personnel_file`.
    static let maxPersonnelFileSize = 64_000_000

    /// All tools, in listing order.
    static let tools: [HRToolDefinition] = [
        HRToolDefinition(
            name: "list_employees", title: "List employees",
            description: "Lists employees (id, name, department, title), optionally for one department.",
            parameters: [department(filtering: "Only list employees of this department.")],
            readOnly: true, destructive: false, idempotent: true),
        HRToolDefinition(
            name: "get_employee", title: "Get employee",
            description: "Returns one employee's full record, including salary and review notes.",
            parameters: [employeeID], readOnly: true, destructive: false, idempotent: true),
        HRToolDefinition(
            name: "search_employees", title: "Search employees",
            description: "Finds employees whose name, title or department contains the query (case-insensitive).",
            parameters: [HRToolParameter(name: "query", type: "string", description: "Text to look for.")],
            readOnly: true, destructive: false, idempotent: true),
        HRToolDefinition(
            name: "get_personnel_file", title: "Get personnel file",
            description: "Returns the employee's confidential personnel file as text. With size_bytes, the file "
                + "is padded with ASCII filler (or truncated) to exactly that many bytes.",
            parameters: [
                employeeID,
                HRToolParameter(
                    name: "size_bytes", type: "integer",
                    description: "Exact size of the returned text in bytes (ASCII filler).",
                    required: false, minimum: 0, maximum: Double(maxPersonnelFileSize)),
            ],
            readOnly: true, destructive: false, idempotent: true),
        HRToolDefinition(
            name: "update_salary", title: "Update salary",
            description: "Sets an employee's annual salary in US dollars.",
            parameters: [
                employeeID,
                HRToolParameter(
                    name: "new_salary", type: "number",
                    description: "New annual salary in US dollars; must be positive.",
                    exclusiveMinimum: 0, maximum: 1_000_000_000),
            ],
            readOnly: false, destructive: false, idempotent: true),
        HRToolDefinition(
            name: "add_review_note", title: "Add review note",
            description: "Appends a performance review note to an employee's record.",
            parameters: [
                employeeID,
                HRToolParameter(name: "note", type: "string", description: "The note to append."),
            ],
            readOnly: false, destructive: false, idempotent: false),
        HRToolDefinition(
            name: "export_payroll", title: "Export payroll",
            description: "Exports sensitive payroll data as CSV (id,name,salary), optionally for one department.",
            parameters: [department(filtering: "Only export employees of this department.")],
            readOnly: false, destructive: false, idempotent: true),
        HRToolDefinition(
            name: "delete_employee", title: "Delete employee",
            description: "Permanently deletes an employee record.",
            parameters: [employeeID], readOnly: false, destructive: true, idempotent: true),
    ]

    /// Returns the tool with the given name, if any.
    static func tool(named name: String) -> HRToolDefinition? {
        tools.first { $0.name == name }
    }

    private static let employeeID = HRToolParameter(
        name: "employee_id", type: "string", description: "Employee id, e.g. \"E-1001\".")

    private static func department(filtering description: String) -> HRToolParameter {
        HRToolParameter(
            name: "department", type: "string", description: description,
            required: false, allowedValues: HRDirectory.departments)
    }
}
