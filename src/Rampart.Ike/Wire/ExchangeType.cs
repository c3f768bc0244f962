namespace Rampart.Ike.Wire;

/// <summary>ISAKMP exchange types (RFC 2408 §3.1, RFC 2409 §9: Quick Mode = 32).</summary>
public enum ExchangeType : byte
{
    None = 0,
    Base = 1,
    IdentityProtection = 2,
    AuthenticationOnly = 3,
    Aggressive = 4,
    Informational = 5,
    QuickMode = 32,
}
