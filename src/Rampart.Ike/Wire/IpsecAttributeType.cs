namespace Rampart.Ike.Wire;

/// <summary>IPsec DOI SA attributes (RFC 2407 §4.5, RFC 4304 for ESN).</summary>
public enum IpsecAttributeType : ushort
{
    SaLifeType = 1,
    SaLifeDuration = 2,
    GroupDescription = 3,
    EncapsulationMode = 4,
    AuthenticationAlgorithm = 5,
    KeyLength = 6,
    KeyRounds = 7,
    CompressDictionarySize = 8,
    CompressPrivateAlgorithm = 9,
    ExtendedSequenceNumber = 11,
}

/// <summary>Encapsulation modes (RFC 2407 §4.5, RFC 3947 §5, and the NAT-T draft values strongSwan still sends).</summary>
public enum EncapsulationMode : ushort
{
    Tunnel = 1,
    Transport = 2,
    UdpEncapsulatedTunnel = 3,
    UdpEncapsulatedTransport = 4,
    UdpEncapsulatedTunnelDraft = 61443,
    UdpEncapsulatedTransportDraft = 61444,
}

/// <summary>IPsec DOI authentication algorithm attribute values (RFC 2407 §4.5, RFC 4868 §2.4).</summary>
public enum IpsecAuthenticationAlgorithm : ushort
{
    HmacMd5 = 1,
    HmacSha = 2,
    DesMac = 3,
    Kpdk = 4,
    HmacSha2256 = 5,
    HmacSha2384 = 6,
    HmacSha2512 = 7,
}

/// <summary>IPsec DOI ESP transform identifiers (RFC 2407 §4.4.4, RFC 4106 §8.4).</summary>
public enum EspTransformId : byte
{
    Des = 2,
    TripleDes = 3,
    Null = 11,
    Aes = 12,
    AesGcm8 = 18,
    AesGcm12 = 19,
    AesGcm16 = 20,
}

/// <summary>IPsec DOI AH transform identifiers (RFC 2407 §4.4.3, RFC 4868 §2.4).</summary>
public enum AhTransformId : byte
{
    Md5 = 2,
    Sha = 3,
    Sha2256 = 5,
    Sha2384 = 6,
    Sha2512 = 7,
}
