namespace Rampart.Core.Algorithms;

/// <summary>Diffie-Hellman groups, backed by their IANA numbers (IKEv1 and IKEv2 share them).</summary>
public enum DhGroup : ushort
{
    /// <summary>No PFS.</summary>
    None = 0,
    /// <summary>Legacy, opt-in.</summary>
    Modp768 = 1,
    /// <summary>Legacy, opt-in.</summary>
    Modp1024 = 2,
    Modp2048 = 14,
    Modp3072 = 15,
    Modp4096 = 16,
    Ecp256 = 19,
    Ecp384 = 20,
    X25519 = 31,
}
