namespace Rampart.Ike.Wire;

/// <summary>ISAKMP header flags (RFC 2408 §3.1).</summary>
[Flags]
public enum IsakmpFlags : byte
{
    None = 0,
    Encryption = 1,
    Commit = 2,
    AuthenticationOnly = 4,
}
