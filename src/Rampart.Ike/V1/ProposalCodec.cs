using Rampart.Core.Algorithms;
using Rampart.Ike.Wire;

namespace Rampart.Ike.V1;

/// <summary>Maps IKE and IPsec proposals to and from transform payloads (RFC 2409 Appendix A, RFC 2407 §4.4-4.5).</summary>
internal static class ProposalCodec
{
    public static TransformPayload EncodeIke(byte number, IkeProposal proposal)
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
        attributes.Add(DataAttribute.Basic((ushort)IkeAttributeType.AuthenticationMethod, (ushort)IkeAuthenticationMethod.PreSharedKey));
        attributes.Add(DataAttribute.Basic((ushort)IkeAttributeType.GroupDescription, (ushort)proposal.Group));
        attributes.Add(DataAttribute.Basic((ushort)IkeAttributeType.LifeType, (ushort)LifeType.Seconds));
        attributes.Add(DataAttribute.Number((ushort)IkeAttributeType.LifeDuration, (ulong)proposal.Lifetime.TotalSeconds));
        return new TransformPayload(number, TransformPayload.KeyIke, attributes);
    }

    /// <summary>Reads a phase 1 transform; false if it uses anything this engine does not implement (non-PSK auth, unknown algorithms).</summary>
    public static bool TryDecodeIke(TransformPayload transform, out IkeProposal? proposal)
    {
        proposal = null;
        if (transform.TransformId != TransformPayload.KeyIke)
        {
            return false;
        }

        ulong encryption = 0, keyLength = 0, hash = 0, auth = 0, group = 0, lifetime = 28800;
        var lifeType = LifeType.Seconds;
        foreach (var attribute in transform.Attributes)
        {
            if (!attribute.TryGetNumber(out var value))
            {
                return false;
            }

            switch ((IkeAttributeType)attribute.Type)
            {
                case IkeAttributeType.EncryptionAlgorithm: encryption = value; break;
                case IkeAttributeType.KeyLength: keyLength = value; break;
                case IkeAttributeType.HashAlgorithm: hash = value; break;
                case IkeAttributeType.AuthenticationMethod: auth = value; break;
                case IkeAttributeType.GroupDescription: group = value; break;
                case IkeAttributeType.LifeType: lifeType = (LifeType)value; break;
                case IkeAttributeType.LifeDuration:
                    if (lifeType == LifeType.Seconds)
                    {
                        lifetime = value;
                    }

                    break;
                default:
                    return false;
            }
        }

        CipherAlgorithm? cipher = ((IkeEncryptionAlgorithm)encryption, keyLength) switch
        {
            (IkeEncryptionAlgorithm.AesCbc, 128 or 0) => CipherAlgorithm.AesCbc128,
            (IkeEncryptionAlgorithm.AesCbc, 256) => CipherAlgorithm.AesCbc256,
            (IkeEncryptionAlgorithm.TripleDesCbc, 0) => CipherAlgorithm.TripleDes,
            (IkeEncryptionAlgorithm.DesCbc, 0) => CipherAlgorithm.Des,
            _ => null,
        };
        IntegrityAlgorithm? integrity = (IkeHashAlgorithm)hash switch
        {
            IkeHashAlgorithm.Md5 => IntegrityAlgorithm.Md5,
            IkeHashAlgorithm.Sha => IntegrityAlgorithm.Sha1,
            IkeHashAlgorithm.Sha2256 => IntegrityAlgorithm.Sha256,
            IkeHashAlgorithm.Sha2384 => IntegrityAlgorithm.Sha384,
            IkeHashAlgorithm.Sha2512 => IntegrityAlgorithm.Sha512,
            _ => null,
        };
        if (cipher is null || integrity is null || auth != (ulong)IkeAuthenticationMethod.PreSharedKey
            || !Crypto.DiffieHellmanFactory.IsSupported((DhGroup)group) || lifetime > int.MaxValue)
        {
            return false;
        }

        proposal = new IkeProposal(cipher.Value, integrity.Value, (DhGroup)group, TimeSpan.FromSeconds(lifetime));
        return true;
    }

    public static bool SameAlgorithms(IkeProposal a, IkeProposal b) => a.Cipher == b.Cipher && a.Hash == b.Hash && a.Group == b.Group;

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
        if (proposal.Protocol == IpsecProtocol.Ah || !AlgorithmCatalog.IsAead(proposal.Cipher))
        {
            attributes.Add(DataAttribute.Basic((ushort)IpsecAttributeType.AuthenticationAlgorithm, (ushort)IpsecAuth(proposal.Integrity)));
        }

        if (proposal.Protocol == IpsecProtocol.Esp && proposal.Cipher is CipherAlgorithm.AesCbc128 or CipherAlgorithm.AesCbc256 or CipherAlgorithm.AesGcm128 or CipherAlgorithm.AesGcm256)
        {
            attributes.Add(DataAttribute.Basic((ushort)IpsecAttributeType.KeyLength, (ushort)(AlgorithmCatalog.KeyLength(proposal.Cipher) * 8)));
        }

        var transformId = proposal.Protocol == IpsecProtocol.Ah ? (byte)AhId(proposal.Integrity) : (byte)EspId(proposal.Cipher);
        return new TransformPayload(1, transformId, attributes);
    }

    /// <summary>A decoded quick mode transform.</summary>
    public sealed record IpsecOffer(IpsecProposal Proposal, DhGroup PfsGroup, EncapsulationMode Mode);

    public static bool TryDecodeIpsec(ProtocolId protocol, TransformPayload transform, out IpsecOffer? offer)
    {
        offer = null;
        ulong seconds = 28800, kilobytes = 0, group = 0, mode = (ulong)EncapsulationMode.Tunnel, auth = 0, keyLength = 0;
        var lifeType = LifeType.Seconds;
        foreach (var attribute in transform.Attributes)
        {
            if (!attribute.TryGetNumber(out var value))
            {
                return false;
            }

            switch ((IpsecAttributeType)attribute.Type)
            {
                case IpsecAttributeType.SaLifeType: lifeType = (LifeType)value; break;
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
                default: return false;
            }
        }

        IntegrityAlgorithm? integrity = auth == 0 ? IntegrityAlgorithm.None : (IpsecAuthenticationAlgorithm)auth switch
        {
            IpsecAuthenticationAlgorithm.HmacMd5 => IntegrityAlgorithm.Md5,
            IpsecAuthenticationAlgorithm.HmacSha => IntegrityAlgorithm.Sha1,
            IpsecAuthenticationAlgorithm.HmacSha2256 => IntegrityAlgorithm.Sha256,
            IpsecAuthenticationAlgorithm.HmacSha2384 => IntegrityAlgorithm.Sha384,
            IpsecAuthenticationAlgorithm.HmacSha2512 => IntegrityAlgorithm.Sha512,
            _ => null,
        };
        CipherAlgorithm? cipher = protocol switch
        {
            ProtocolId.IpsecAh => CipherAlgorithm.Null,
            ProtocolId.IpsecEsp => ((EspTransformId)transform.TransformId, keyLength) switch
            {
                (EspTransformId.Aes, 128) => CipherAlgorithm.AesCbc128,
                (EspTransformId.Aes, 256) => CipherAlgorithm.AesCbc256,
                (EspTransformId.AesGcm16, 128) => CipherAlgorithm.AesGcm128,
                (EspTransformId.AesGcm16, 256) => CipherAlgorithm.AesGcm256,
                (EspTransformId.TripleDes, 0) => CipherAlgorithm.TripleDes,
                (EspTransformId.Des, 0) => CipherAlgorithm.Des,
                (EspTransformId.Null, 0) => CipherAlgorithm.Null,
                _ => null,
            },
            _ => null,
        };
        if (cipher is null || integrity is null || !Enum.IsDefined((EncapsulationMode)mode)
            || (AlgorithmCatalog.IsAead(cipher.Value) != (integrity == IntegrityAlgorithm.None))
            || (protocol == ProtocolId.IpsecAh && integrity == IntegrityAlgorithm.None)
            || (group != 0 && !Crypto.DiffieHellmanFactory.IsSupported((DhGroup)group))
            || seconds > int.MaxValue || kilobytes > long.MaxValue)
        {
            return false;
        }

        var ipsec = new IpsecProposal(protocol == ProtocolId.IpsecAh ? IpsecProtocol.Ah : IpsecProtocol.Esp, cipher.Value, integrity.Value, (int)seconds, (long)kilobytes);
        offer = new IpsecOffer(ipsec, (DhGroup)group, (EncapsulationMode)mode);
        return true;
    }

    public static bool SameAlgorithms(IpsecProposal a, IpsecProposal b) => a.Protocol == b.Protocol && a.Cipher == b.Cipher && a.Integrity == b.Integrity;

    public static ProtocolId ToProtocolId(IpsecProtocol protocol) => protocol == IpsecProtocol.Ah ? ProtocolId.IpsecAh : ProtocolId.IpsecEsp;

    public static EncapsulationMode Encapsulation(IpsecMode mode, NatTraversalVersion natTraversal, bool udpEncapsulated) => (mode, udpEncapsulated, natTraversal) switch
    {
        (IpsecMode.Tunnel, false, _) => EncapsulationMode.Tunnel,
        (IpsecMode.Transport, false, _) => EncapsulationMode.Transport,
        (IpsecMode.Tunnel, true, NatTraversalVersion.Rfc3947) => EncapsulationMode.UdpEncapsulatedTunnel,
        (IpsecMode.Transport, true, NatTraversalVersion.Rfc3947) => EncapsulationMode.UdpEncapsulatedTransport,
        (IpsecMode.Tunnel, true, _) => EncapsulationMode.UdpEncapsulatedTunnelDraft,
        _ => EncapsulationMode.UdpEncapsulatedTransportDraft,
    };

    public static IpsecMode ModeOf(EncapsulationMode mode) => mode is EncapsulationMode.Tunnel or EncapsulationMode.UdpEncapsulatedTunnel or EncapsulationMode.UdpEncapsulatedTunnelDraft
        ? IpsecMode.Tunnel
        : IpsecMode.Transport;

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
