namespace Rampart.Ike.Wire;

/// <summary>Phase 1 (ISAKMP SA) attribute classes (RFC 2409 Appendix A).</summary>
public enum IkeAttributeType : ushort
{
    EncryptionAlgorithm = 1,
    HashAlgorithm = 2,
    AuthenticationMethod = 3,
    GroupDescription = 4,
    GroupType = 5,
    GroupPrime = 6,
    GroupGeneratorOne = 7,
    GroupGeneratorTwo = 8,
    GroupCurveA = 9,
    GroupCurveB = 10,
    LifeType = 11,
    LifeDuration = 12,
    Prf = 13,
    KeyLength = 14,
    FieldSize = 15,
    GroupOrder = 16,
}

/// <summary>Phase 1 encryption algorithm values (RFC 2409 Appendix A, RFC 3602 for AES).</summary>
public enum IkeEncryptionAlgorithm : ushort
{
    DesCbc = 1,
    IdeaCbc = 2,
    BlowfishCbc = 3,
    Rc5R16B64Cbc = 4,
    TripleDesCbc = 5,
    CastCbc = 6,
    AesCbc = 7,
}

/// <summary>Phase 1 hash algorithm values (RFC 2409 Appendix A, RFC 4868 for SHA-2).</summary>
public enum IkeHashAlgorithm : ushort
{
    Md5 = 1,
    Sha = 2,
    Tiger = 3,
    Sha2256 = 4,
    Sha2384 = 5,
    Sha2512 = 6,
}

/// <summary>Phase 1 authentication method values (RFC 2409 Appendix A).</summary>
public enum IkeAuthenticationMethod : ushort
{
    PreSharedKey = 1,
    DssSignatures = 2,
    RsaSignatures = 3,
    RsaEncryption = 4,
    RsaRevisedEncryption = 5,

    /// <summary>RFC 4754: ECDSA with SHA-256 on the P-256 curve.</summary>
    EcdsaSha256 = 9,

    /// <summary>RFC 4754: ECDSA with SHA-384 on the P-384 curve.</summary>
    EcdsaSha384 = 10,

    /// <summary>RFC 4754: ECDSA with SHA-512 on the P-521 curve.</summary>
    EcdsaSha512 = 11,

    /// <summary>GSS-API (Kerberos) authentication, draft-ietf-ipsec-isakmp-gss-auth as Windows 2000 used it (private range).</summary>
    GssApiKerberos = 65001,
}

/// <summary>Life type values shared by phase 1 (RFC 2409) and the IPsec DOI (RFC 2407 §4.5).</summary>
public enum LifeType : ushort
{
    Seconds = 1,
    Kilobytes = 2,
}
