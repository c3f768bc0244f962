using System.Net;
using Rampart.Ike.Wire;

namespace Rampart.Ike.Tests.Wire;

public class IsakmpCodecTests
{
    private static IsakmpMessage EveryPayloadMessage()
    {
        var transforms = new[]
        {
            new TransformPayload(1, TransformPayload.KeyIke,
            [
                DataAttribute.Basic((ushort)IkeAttributeType.EncryptionAlgorithm, (ushort)IkeEncryptionAlgorithm.AesCbc),
                DataAttribute.Basic((ushort)IkeAttributeType.KeyLength, 128),
                DataAttribute.Basic((ushort)IkeAttributeType.HashAlgorithm, (ushort)IkeHashAlgorithm.Sha2256),
                DataAttribute.Basic((ushort)IkeAttributeType.AuthenticationMethod, (ushort)IkeAuthenticationMethod.PreSharedKey),
                DataAttribute.Basic((ushort)IkeAttributeType.GroupDescription, 14),
                DataAttribute.Basic((ushort)IkeAttributeType.LifeType, (ushort)LifeType.Seconds),
                DataAttribute.Number((ushort)IkeAttributeType.LifeDuration, 28800),
            ]),
            new TransformPayload(2, TransformPayload.KeyIke,
            [
                DataAttribute.Variable((ushort)IkeAttributeType.LifeDuration, [0x00, 0x01, 0x51, 0x80]),
            ]),
        };
        var sa = new SecurityAssociationPayload([new ProposalPayload(1, ProtocolId.Isakmp, [], transforms)]);
        var esp = new SecurityAssociationPayload(
        [
            new ProposalPayload(1, ProtocolId.IpsecEsp, [1, 2, 3, 4],
            [
                new TransformPayload(1, (byte)EspTransformId.AesGcm16,
                [
                    DataAttribute.Basic((ushort)IpsecAttributeType.EncapsulationMode, (ushort)EncapsulationMode.UdpEncapsulatedTunnelDraft),
                    DataAttribute.Basic((ushort)IpsecAttributeType.KeyLength, 128),
                ]),
            ]),
        ]);
        IsakmpPayload[] payloads =
        [
            sa,
            esp,
            new KeyExchangePayload(Enumerable.Range(0, 64).Select(i => (byte)i).ToArray()),
            IdentificationPayload.ForAddress(IPAddress.Parse("192.0.2.1"), 17, 500),
            IdentificationPayload.ForSubnet(IPAddress.Parse("2001:db8::"), 32),
            new IdentificationPayload(IdentificationType.Fqdn, 0, 0, "host.example"u8),
            new CertificatePayload(CertificatePayload.X509Signature, [0x30, 0x03, 0x02, 0x01, 0x01]),
            new CertificateRequestPayload(CertificatePayload.X509Signature, []),
            new HashPayload(new byte[32]),
            new SignaturePayload([9, 8, 7]),
            new NoncePayload(new byte[16]),
            new NotificationPayload(ProtocolId.Isakmp, NotifyMessageType.InitialContact, new byte[16], []),
            new DeletePayload(ProtocolId.IpsecEsp, 4, [[1, 2, 3, 4], [5, 6, 7, 8]]),
            new VendorIdPayload(Convert.FromHexString("4a131c81070358455c5728f20e95452f")),
            new NatDiscoveryPayload(new byte[20]),
            new NatDiscoveryPayload(new byte[20], PayloadType.NatDiscoveryDraft),
            new NatOriginalAddressPayload(IPAddress.Parse("198.51.100.7")),
        ];
        return new IsakmpMessage(new IsakmpHeader(0x0102030405060708, 0x1112131415161718, PayloadType.None, ExchangeType.IdentityProtection, IsakmpFlags.None, 0, 0), payloads);
    }

    [Fact]
    public void EveryPayloadType_ReserialisesByteForByte()
    {
        var bytes = EveryPayloadMessage().ToArray();

        Assert.True(IsakmpMessage.TryParse(bytes, out var parsed, out var error), error.ToString());
        Assert.Equal(17, parsed!.Payloads.Count);
        Assert.Equal(bytes, parsed.ToArray());
    }

    [Fact]
    public void Parse_KeepsFieldValues()
    {
        Assert.True(IsakmpMessage.TryParse(EveryPayloadMessage().ToArray(), out var parsed, out _));
        var sa = Assert.IsType<SecurityAssociationPayload>(parsed!.Payloads[0]);
        var transform = sa.Proposals[0].Transforms[0];
        Assert.True(transform.Find((ushort)IkeAttributeType.LifeDuration)!.TryGetNumber(out var life));
        Assert.Equal(28800UL, life);
        Assert.True(sa.Proposals[0].Transforms[1].Attributes[0].TryGetNumber(out var variableLife));
        Assert.Equal(86400UL, variableLife);
        var id = Assert.IsType<IdentificationPayload>(parsed.Payloads[3]);
        Assert.Equal((IdentificationType.Ipv4Address, (byte)17, (ushort)500), (id.IdType, id.Protocol, id.Port));
        var subnet = Assert.IsType<IdentificationPayload>(parsed.Payloads[4]);
        Assert.Equal("20010db8000000000000000000000000ffffffff000000000000000000000000", Convert.ToHexStringLower(subnet.Data));
        var delete = Assert.IsType<DeletePayload>(parsed.Payloads[12]);
        Assert.Equal([5, 6, 7, 8], delete.Spis[1]);
        Assert.Equal(IPAddress.Parse("198.51.100.7"), Assert.IsType<NatOriginalAddressPayload>(parsed.Payloads[16]).Address);
        Assert.Equal(PayloadType.NatDiscoveryDraft, parsed.Payloads[15].Type);
    }

    [Fact]
    public void Transform_EncodesBasicAndVariableAttributesPerRfc2408()
    {
        var transform = new TransformPayload(1, TransformPayload.KeyIke,
        [
            DataAttribute.Basic((ushort)IkeAttributeType.EncryptionAlgorithm, 7),
            DataAttribute.Number((ushort)IkeAttributeType.LifeDuration, 86400),
        ]);
        Span<byte> body = stackalloc byte[transform.BodyLength];
        transform.WriteBody(body);
        // number, KEY_IKE, reserved; AF=1 type 1 value 7; AF=0 type 12 length 4 value 86400.
        Assert.Equal("010100008001000700 0c 0004 00015180".Replace(" ", "", StringComparison.Ordinal), Convert.ToHexStringLower(body));
    }

    [Fact]
    public void Header_WritesVersionAndParsesFields()
    {
        var header = new IsakmpHeader(1, 2, PayloadType.SecurityAssociation, ExchangeType.QuickMode, IsakmpFlags.Encryption, 0xDEADBEEF, 28);
        var bytes = new byte[28];
        header.Write(bytes);
        Assert.Equal(0x10, bytes[17]);
        Assert.True(IsakmpHeader.TryParse(bytes, out var parsed, out _));
        Assert.Equal(header, parsed);
    }

    [Fact]
    public void Header_RejectsWrongMajorVersionAndBadLength()
    {
        var bytes = new byte[28];
        new IsakmpHeader(1, 2, PayloadType.None, ExchangeType.Informational, 0, 0, 28).Write(bytes);
        bytes[17] = 0x20;
        Assert.False(IsakmpHeader.TryParse(bytes, out _, out var error));
        Assert.Equal(ParseError.InvalidMajorVersion, error);
        Assert.Equal(NotifyMessageType.InvalidMajorVersion, error.ToNotify());
        bytes[17] = 0x10;
        bytes[27] = 200;
        Assert.False(IsakmpHeader.TryParse(bytes, out _, out error));
        Assert.Equal(ParseError.LengthMismatch, error);
    }

    [Fact]
    public void UnknownPayloadType_IsReportedAsInvalidPayloadType()
    {
        var bytes = new IsakmpMessage(new IsakmpHeader(1, 0, 0, ExchangeType.IdentityProtection, 0, 0, 0), [new NoncePayload(new byte[8])]).ToArray();
        bytes[16] = 99;
        Assert.False(IsakmpMessage.TryParse(bytes, out _, out var error));
        Assert.Equal(NotifyMessageType.InvalidPayloadType, error.ToNotify());
    }

    [Fact]
    public void EveryTruncation_IsRejectedWithoutThrowing()
    {
        var bytes = EveryPayloadMessage().ToArray();
        for (var length = 0; length < bytes.Length; length++)
        {
            var truncated = bytes[..length];
            Assert.False(IsakmpMessage.TryParse(truncated, out _, out _));
            // Also lie in the header that the truncated length is complete, so the payload parsers see short data.
            if (length >= IsakmpHeader.Size)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(truncated.AsSpan(24), (uint)length);
                Assert.False(IsakmpMessage.TryParse(truncated, out _, out _));
            }
        }
    }

    [Fact]
    public void RandomMutations_NeverThrow()
    {
        var original = EveryPayloadMessage().ToArray();
        var random = new Random(1234);
        for (var i = 0; i < 20000; i++)
        {
            var mutated = (byte[])original.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            }

            if (IsakmpMessage.TryParse(mutated, out var parsed, out _))
            {
                Assert.Equal(parsed!.Length, parsed.ToArray().Length);
            }
        }
    }
}
