import Foundation

/// A tool-level failure, reported to the client as a `tools/call` result with `isError: true`.
struct ToolFailure: Error {
    /// Human-readable explanation, naming the offending argument or record.
    let message: String
}

/// Typed access to a `tools/call` arguments object, with errors that name the offending argument.
struct ToolArguments {
    /// The raw arguments object.
    let values: [String: Any]

    /// Returns a required, non-empty string argument.
    func requiredString(_ name: String) throws(ToolFailure) -> String {
        guard let value = try optionalString(name) else {
            throw ToolFailure(message: "Missing required argument '\(name)'.")
        }
        return value
    }

    /// Returns an optional string argument, rejecting non-strings and empty strings.
    func optionalString(_ name: String) throws(ToolFailure) -> String? {
        guard let raw = values[name], !(raw is NSNull) else { return nil }
        guard let value = raw as? String else {
            throw ToolFailure(message: "Argument '\(name)' must be a string.")
        }
        guard !value.isEmpty else { throw ToolFailure(message: "Argument '\(name)' must not be empty.") }
        return value
    }

    /// Returns an optional department argument, checked against the known departments.
    func optionalDepartment() throws(ToolFailure) -> String? {
        guard let department = try optionalString("department") else { return nil }
        guard HRDirectory.departments.contains(department) else {
            let allowed = HRDirectory.departments.joined(separator: ", ")
            throw ToolFailure(message: "Argument 'department' must be one of: \(allowed).")
        }
        return department
    }

    /// Returns a required, positive number argument no larger than `maximum`.
    func requiredPositiveNumber(_ name: String, maximum: Double) throws(ToolFailure) -> Double {
        guard let raw = values[name], !(raw is NSNull) else {
            throw ToolFailure(message: "Missing required argument '\(name)'.")
        }
        guard let value = Self.number(raw), value.isFinite, value > 0 else {
            throw ToolFailure(message: "Argument '\(name)' must be a positive number.")
        }
        guard value <= maximum else {
            throw ToolFailure(message: "Argument '\(name)' must be at most \(Employee.formatSalary(maximum)).")
        }
        return value
    }

    /// Returns an optional integer argument within an inclusive range.
    func optionalInteger(_ name: String, in range: ClosedRange<Int>) throws(ToolFailure) -> Int? {
        guard let raw = values[name], !(raw is NSNull) else { return nil }
        guard let value = Self.number(raw), value.rounded() == value else {
            throw ToolFailure(message: "Argument '\(name)' must be an integer.")
        }
        guard Double(range.lowerBound) <= value, value <= Double(range.upperBound) else {
            let bounds = "\(range.lowerBound) and \(range.upperBound)"
            throw ToolFailure(message: "Argument '\(name)' must be between \(bounds).")
        }
        return Int(value)
    }

    /// Returns the numeric value of a decoded JSON number, or nil for booleans and non-numbers.
    static func number(_ raw: Any) -> Double? {
        guard let number = raw as? NSNumber, !JSONRPCID.isBoolean(number) else { return nil }
        return number.doubleValue
    }
}
