public let healthctlVersion = "0.1.0"
