using Rampart.Core.Algorithms;
using Rampart.Core.SecurityAssociations;
using Rampart.Ike.Wire;

namespace Rampart.Ike.V1;

/// <summary>Maps IKE and IPsec proposals to and from transform payloads (RFC 2409 Appendix A, RFC 2407 §4.4-4.5).</summary>
internal static class ProposalCodec
{
    public static TransformPayload EncodeIke(byte number, IkeProposal proposal, IkeAuthenticationMethod authentication = IkeAuthenticationMethod.PreSharedKey)
    {
        var attributes = new List<DataAttribute>
        {
            DataAttribute.Basic((ushort)IkeAttributeType.EncryptionAlgorithm, (ushort)IkeCipher(proposal.Cipher)),
        };
        if (proposal.Cipher is CipherAlgorithm.AesCbc128 or CipherAlgorithm.AesCbc256)
        {
            attributes.Add(DataAttribute.Basic((ushort)IkeAttributeType.KeyLength, (ushort)(AlgorithmCatalog.KeyLength(proposal.Cipher) * 8)));
        }

        attributes.Add(DataAttribute.Basic((ushort)IkeAttributeType.HashAlgorithm, (ushort)IkeHash(proposal.Hash)));
        attributes.Add(DataAttribute.Basic((ushort)IkeAttributeType.AuthenticationMethod, (ushort)authentication));
        attributes.Add(DataAttribute.Basic((ushort)IkeAttributeType.GroupDescription, (ushort)proposal.Group));
        attributes.Add(DataAttribute.Basic((ushort)IkeAttributeType.LifeType, (ushort)LifeType.Seconds));
        attributes.Add(DataAttribute.Number((ushort)IkeAttributeType.LifeDuration, (ulong)proposal.Lifetime.TotalSeconds));
        return new TransformPayload(number, TransformPayload.KeyIke, attributes);
    }

    /// <summary>A phase 1 transform's attributes as received, before any is judged (lifetime 8 hours when absent).</summary>
    public readonly record struct IkeAttributes(
        ulong Encryption, ulong KeyLength, ulong Hash, ulong AuthenticationMethod, ulong Group, ulong LifetimeSeconds, ulong UnsupportedLifeType);

    /// <summary>Reads a phase 1 transform's attributes; false, naming the attribute type, for one we do not implement or that is not a number.</summary>
    public static bool TryReadIke(TransformPayload transform, out IkeAttributes attributes, out ushort unreadableType)
    {
        ulong encryption = 0, keyLength = 0, hash = 0, auth = 0, group = 0, lifetime = 28800, unsupportedLifeType = 0;
        var lifeType = LifeType.Seconds;
        attributes = default;
        unreadableType = 0;
        foreach (var attribute in transform.Attributes)
        {
            if (!attribute.TryGetNumber(out var value))
            {
                unreadableType = attribute.Type;
                return false;
            }

            switch ((IkeAttributeType)attribute.Type)
            {
                case IkeAttributeType.EncryptionAlgorithm: encryption = value; break;
                case IkeAttributeType.KeyLength: keyLength = value; break;
                case IkeAttributeType.HashAlgorithm: hash = value; break;
                case IkeAttributeType.AuthenticationMethod: auth = value; break;
                case IkeAttributeType.GroupDescription: group = value; break;
                case IkeAttributeType.LifeType:
                    lifeType = (LifeType)value;
                    if (!Enum.IsDefined(lifeType))
                    {
                        unsupportedLifeType = value;
                    }

                    break;
                case IkeAttributeType.LifeDuration:
                    if (lifeType == LifeType.Seconds)
                    {
                        lifetime = value;
                    }

                    break;
                default:
                    unreadableType = attribute.Type;
                    return false;
            }
        }

        attributes = new IkeAttributes(encryption, keyLength, hash, auth, group, lifetime, unsupportedLifeType);
        return true;
    }

    /// <summary>The phase 1 cipher an encryption algorithm and key length name; null if this engine does not implement it.</summary>
    public static CipherAlgorithm? IkeCipherOf(ulong encryption, ulong keyLength) => ((IkeEncryptionAlgorithm)encryption, keyLength) switch
    {
        (IkeEncryptionAlgorithm.AesCbc, 128 or 0) => CipherAlgorithm.AesCbc128,
        (IkeEncryptionAlgorithm.AesCbc, 256) => CipherAlgorithm.AesCbc256,
        (IkeEncryptionAlgorithm.TripleDesCbc, 0) => CipherAlgorithm.TripleDes,
        (IkeEncryptionAlgorithm.DesCbc, 0) => CipherAlgorithm.Des,
        _ => null,
    };

    public static IntegrityAlgorithm? IkeHashOf(ulong hash) => (IkeHashAlgorithm)hash switch
    {
        IkeHashAlgorithm.Md5 => IntegrityAlgorithm.Md5,
        IkeHashAlgorithm.Sha => IntegrityAlgorithm.Sha1,
        IkeHashAlgorithm.Sha2256 => IntegrityAlgorithm.Sha256,
        IkeHashAlgorithm.Sha2384 => IntegrityAlgorithm.Sha384,
        IkeHashAlgorithm.Sha2512 => IntegrityAlgorithm.Sha512,
        _ => null,
    };

    /// <summary>Reads a phase 1 transform as a proposal; false if it uses anything this engine does not implement.</summary>
    public static bool TryDecodeIke(TransformPayload transform, out IkeProposal? proposal)
    {
        proposal = null;
        if (transform.TransformId != TransformPayload.KeyIke || !TryReadIke(transform, out var a, out _)
            || IkeCipherOf(a.Encryption, a.KeyLength) is not { } cipher || IkeHashOf(a.Hash) is not { } hash
            || a.AuthenticationMethod != (ulong)IkeAuthenticationMethod.PreSharedKey || !Crypto.DiffieHellmanFactory.IsSupported((DhGroup)a.Group)
            || a.UnsupportedLifeType != 0 || a.LifetimeSeconds > int.MaxValue)
        {
            return false;
        }

        proposal = new IkeProposal(cipher, hash, (DhGroup)a.Group, TimeSpan.FromSeconds(a.LifetimeSeconds));
        return true;
    }

    public static TransformPayload EncodeIpsec(IpsecProposal proposal, DhGroup pfsGroup, EncapsulationMode mode)
    {
        var attributes = new List<DataAttribute>
        {
            DataAttribute.Basic((ushort)IpsecAttributeType.SaLifeType, (ushort)LifeType.Seconds),
            DataAttribute.Number((ushort)IpsecAttributeType.SaLifeDuration, (ulong)proposal.LifetimeSeconds),
        };
        if (proposal.LifetimeKilobytes > 0)
        {
            attributes.Add(DataAttribute.Basic((ushort)IpsecAttributeType.SaLifeType, (ushort)LifeType.Kilobytes));
            attributes.Add(DataAttribute.Number((ushort)IpsecAttributeType.SaLifeDuration, (ulong)proposal.LifetimeKilobytes));
        }

        if (pfsGroup != DhGroup.None)
        {
            attributes.Add(DataAttribute.Basic((ushort)IpsecAttributeType.GroupDescription, (ushort)pfsGroup));
        }

        attributes.Add(DataAttribute.Basic((ushort)IpsecAttributeType.EncapsulationMode, (ushort)mode));
        if (proposal.Protocol == SaProtocol.Ah || !AlgorithmCatalog.IsAead(proposal.Cipher))
        {
            attributes.Add(DataAttribute.Basic((ushort)IpsecAttributeType.AuthenticationAlgorithm, (ushort)IpsecAuth(proposal.Integrity)));
        }

        if (proposal.Protocol == SaProtocol.Esp && proposal.Cipher is CipherAlgorithm.AesCbc128 or CipherAlgorithm.AesCbc256 or CipherAlgorithm.AesGcm128 or CipherAlgorithm.AesGcm256)
        {
            attributes.Add(DataAttribute.Basic((ushort)IpsecAttributeType.KeyLength, (ushort)(AlgorithmCatalog.KeyLength(proposal.Cipher) * 8)));
        }

        var transformId = proposal.Protocol == SaProtocol.Ah ? (byte)AhId(proposal.Integrity) : (byte)EspId(proposal.Cipher);
        return new TransformPayload(1, transformId, attributes);
    }

    /// <summary>A decoded quick mode transform.</summary>
    public sealed record IpsecOffer(IpsecProposal Proposal, DhGroup PfsGroup, EncapsulationMode Mode);

    /// <summary>A quick mode transform's attributes as received (RFC 2407 §4.5 defaults: tunnel mode, 8 hours).</summary>
    public readonly record struct IpsecAttributes(
        ulong Seconds, ulong Kilobytes, ulong Group, ulong Mode, ulong Authentication, ulong KeyLength, ulong UnsupportedLifeType);

    /// <summary>Reads a quick mode transform's attributes; false, naming the attribute type, for one we do not implement or that is not a number.</summary>
    public static bool TryReadIpsec(TransformPayload transform, out IpsecAttributes attributes, out ushort unreadableType)
    {
        ulong seconds = 28800, kilobytes = 0, group = 0, mode = (ulong)EncapsulationMode.Tunnel, auth = 0, keyLength = 0, unsupportedLifeType = 0;
        var lifeType = LifeType.Seconds;
        attributes = default;
        unreadableType = 0;
        foreach (var attribute in transform.Attributes)
        {
            if (!attribute.TryGetNumber(out var value))
            {
                unreadableType = attribute.Type;
                return false;
            }

            switch ((IpsecAttributeType)attribute.Type)
            {
                case IpsecAttributeType.SaLifeType:
                    lifeType = (LifeType)value;
                    if (!Enum.IsDefined(lifeType))
                    {
                        unsupportedLifeType = value;
                    }

                    break;
                case IpsecAttributeType.SaLifeDuration:
                    if (lifeType == LifeType.Kilobytes)
                    {
                        kilobytes = value;
                    }
                    else
                    {
                        seconds = value;
                    }

                    break;
                case IpsecAttributeType.GroupDescription: group = value; break;
                case IpsecAttributeType.EncapsulationMode: mode = value; break;
                case IpsecAttributeType.AuthenticationAlgorithm: auth = value; break;
                case IpsecAttributeType.KeyLength: keyLength = value; break;
                default:
                    unreadableType = attribute.Type;
                    return false;
            }
        }

        attributes = new IpsecAttributes(seconds, kilobytes, group, mode, auth, keyLength, unsupportedLifeType);
        return true;
    }

    /// <summary>The ESP cipher a transform ID and key length name; null if this engine does not implement it.</summary>
    public static CipherAlgorithm? EspCipherOf(byte transformId, ulong keyLength) => ((EspTransformId)transformId, keyLength) switch
    {
        (EspTransformId.Aes, 128) => CipherAlgorithm.AesCbc128,
        (EspTransformId.Aes, 256) => CipherAlgorithm.AesCbc256,
        (EspTransformId.AesGcm16, 128) => CipherAlgorithm.AesGcm128,
        (EspTransformId.AesGcm16, 256) => CipherAlgorithm.AesGcm256,
        (EspTransformId.TripleDes, 0) => CipherAlgorithm.TripleDes,
        (EspTransformId.Des, 0) => CipherAlgorithm.Des,
        (EspTransformId.Null, 0) => CipherAlgorithm.Null,
        _ => null,
    };

    /// <summary>The integrity an authentication algorithm attribute names (0: none, for AEAD ciphers); null if not implemented.</summary>
    public static IntegrityAlgorithm? IpsecIntegrityOf(ulong authentication) => authentication == 0 ? IntegrityAlgorithm.None : (IpsecAuthenticationAlgorithm)authentication switch
    {
        IpsecAuthenticationAlgorithm.HmacMd5 => IntegrityAlgorithm.Md5,
        IpsecAuthenticationAlgorithm.HmacSha => IntegrityAlgorithm.Sha1,
        IpsecAuthenticationAlgorithm.HmacSha2256 => IntegrityAlgorithm.Sha256,
        IpsecAuthenticationAlgorithm.HmacSha2384 => IntegrityAlgorithm.Sha384,
        IpsecAuthenticationAlgorithm.HmacSha2512 => IntegrityAlgorithm.Sha512,
        _ => null,
    };

    public static ProtocolId ToProtocolId(SaProtocol protocol) => protocol == SaProtocol.Ah ? ProtocolId.IpsecAh : ProtocolId.IpsecEsp;

    public static EncapsulationMode Encapsulation(SaMode mode, NatTraversalVersion natTraversal, bool udpEncapsulated) => (mode, udpEncapsulated, natTraversal) switch
    {
        (SaMode.Tunnel, false, _) => EncapsulationMode.Tunnel,
        (SaMode.Transport, false, _) => EncapsulationMode.Transport,
        (SaMode.Tunnel, true, NatTraversalVersion.Rfc3947) => EncapsulationMode.UdpEncapsulatedTunnel,
        (SaMode.Transport, true, NatTraversalVersion.Rfc3947) => EncapsulationMode.UdpEncapsulatedTransport,
        (SaMode.Tunnel, true, _) => EncapsulationMode.UdpEncapsulatedTunnelDraft,
        _ => EncapsulationMode.UdpEncapsulatedTransportDraft,
    };

    public static SaMode ModeOf(EncapsulationMode mode) => mode is EncapsulationMode.Tunnel or EncapsulationMode.UdpEncapsulatedTunnel or EncapsulationMode.UdpEncapsulatedTunnelDraft
        ? SaMode.Tunnel
        : SaMode.Transport;

    public static bool IsUdpEncapsulated(EncapsulationMode mode) => mode is not (EncapsulationMode.Tunnel or EncapsulationMode.Transport);

    private static IkeEncryptionAlgorithm IkeCipher(CipherAlgorithm cipher) => cipher switch
    {
        CipherAlgorithm.AesCbc128 or CipherAlgorithm.AesCbc256 => IkeEncryptionAlgorithm.AesCbc,
        CipherAlgorithm.TripleDes => IkeEncryptionAlgorithm.TripleDesCbc,
        CipherAlgorithm.Des => IkeEncryptionAlgorithm.DesCbc,
        _ => throw new ArgumentOutOfRangeException(nameof(cipher), "not usable for the IKEv1 SA"),
    };

    private static IkeHashAlgorithm IkeHash(IntegrityAlgorithm hash) => hash switch
    {
        IntegrityAlgorithm.Md5 => IkeHashAlgorithm.Md5,
        IntegrityAlgorithm.Sha1 => IkeHashAlgorithm.Sha,
        IntegrityAlgorithm.Sha256 => IkeHashAlgorithm.Sha2256,
        IntegrityAlgorithm.Sha384 => IkeHashAlgorithm.Sha2384,
        IntegrityAlgorithm.Sha512 => IkeHashAlgorithm.Sha2512,
        _ => throw new ArgumentOutOfRangeException(nameof(hash)),
    };

    private static IpsecAuthenticationAlgorithm IpsecAuth(IntegrityAlgorithm integrity) => integrity switch
    {
        IntegrityAlgorithm.Md5 => IpsecAuthenticationAlgorithm.HmacMd5,
        IntegrityAlgorithm.Sha1 => IpsecAuthenticationAlgorithm.HmacSha,
        IntegrityAlgorithm.Sha256 => IpsecAuthenticationAlgorithm.HmacSha2256,
        IntegrityAlgorithm.Sha384 => IpsecAuthenticationAlgorithm.HmacSha2384,
        IntegrityAlgorithm.Sha512 => IpsecAuthenticationAlgorithm.HmacSha2512,
        _ => throw new ArgumentOutOfRangeException(nameof(integrity)),
    };

    private static EspTransformId EspId(CipherAlgorithm cipher) => cipher switch
    {
        CipherAlgorithm.AesCbc128 or CipherAlgorithm.AesCbc256 => EspTransformId.Aes,
        CipherAlgorithm.AesGcm128 or CipherAlgorithm.AesGcm256 => EspTransformId.AesGcm16,
        CipherAlgorithm.TripleDes => EspTransformId.TripleDes,
        CipherAlgorithm.Des => EspTransformId.Des,
        CipherAlgorithm.Null => EspTransformId.Null,
        _ => throw new ArgumentOutOfRangeException(nameof(cipher), "no IKEv1 ESP transform"),
    };

    private static AhTransformId AhId(IntegrityAlgorithm integrity) => integrity switch
    {
        IntegrityAlgorithm.Md5 => AhTransformId.Md5,
        IntegrityAlgorithm.Sha1 => AhTransformId.Sha,
        IntegrityAlgorithm.Sha256 => AhTransformId.Sha2256,
        IntegrityAlgorithm.Sha384 => AhTransformId.Sha2384,
        IntegrityAlgorithm.Sha512 => AhTransformId.Sha2512,
        _ => throw new ArgumentOutOfRangeException(nameof(integrity)),
    };
}
