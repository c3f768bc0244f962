namespace Rampart.Core.Algorithms;

/// <summary>Confidentiality transforms for ESP and the IKE SA. AEAD ciphers carry their own integrity.</summary>
public enum CipherAlgorithm
{
    /// <summary>ESP NULL encryption (RFC 2410): integrity only.</summary>
    Null,
    AesGcm128,
    AesGcm256,
    AesCbc128,
    AesCbc256,
    ChaCha20Poly1305,
    /// <summary>Legacy, opt-in.</summary>
    TripleDes,
    /// <summary>Legacy, opt-in.</summary>
    Des,
}
