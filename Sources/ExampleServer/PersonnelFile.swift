/// Renders an employee's personnel file, optionally padded or truncated to an exact size in bytes.
enum PersonnelFile {
    /// The line repeated to pad a personnel file; plain ASCII so bytes and characters coincide.
    static let fillerLine = "Filler: this section intentionally left verbose to pad the personnel file.\n"

    /// Returns the personnel file text, exactly `size` UTF-8 bytes long when `size` is given.
    static func text(for employee: Employee, size: Int?) -> String {
        let document = render(employee)
        guard let size else { return document }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size)
        for scalar in document.unicodeScalars {
            let encoded = String(scalar).utf8
            guard bytes.count + encoded.count <= size else { break }
            bytes.append(contentsOf: encoded)
        }
        let filler = Array(fillerLine.utf8)
        while bytes.count < size {
            bytes.append(contentsOf: filler.prefix(size - bytes.count))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func render(_ employee: Employee) -> String {
        var lines = [
            "PERSONNEL FILE (CONFIDENTIAL)",
            "Employee ID: \(employee.id)",
            "Name: \(employee.name)",
            "Department: \(employee.department)",
            "Title: \(employee.title)",
            "Hire date: \(employee.hireDate)",
            "Annual salary (USD): \(Employee.formatSalary(employee.salary))",
            "Review notes:",
        ]
        lines += employee.reviewNotes.isEmpty ? ["  (none)"] : employee.reviewNotes.map { "  - \($0)" }
        return lines.joined(separator: "\n") + "\n"
    }
}
