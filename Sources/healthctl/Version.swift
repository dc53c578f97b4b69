import HealthctlCore

enum HealthctlVersion {
    static let current = HealthctlCore.healthctlVersion
}
