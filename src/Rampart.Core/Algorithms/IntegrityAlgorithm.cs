namespace Rampart.Core.Algorithms;

/// <summary>Hash functions used for HMAC integrity (ESP/AH) and as the IKE PRF/hash.</summary>
public enum IntegrityAlgorithm
{
    /// <summary>No separate integrity: only valid with an AEAD cipher.</summary>
    None,
    Sha256,
    Sha384,
    Sha512,
    /// <summary>Legacy, opt-in.</summary>
    Sha1,
    /// <summary>Legacy, opt-in.</summary>
    Md5,
}
