using System.Net;
using Microsoft.Extensions.Time.Testing;
using Rampart.Core.Algorithms;
using Rampart.Core.SecurityAssociations;
using Rampart.DataPath.Buffers;
using Rampart.DataPath.Database;
using Rampart.DataPath.Ipsec;
using Rampart.DataPath.Transforms;

namespace Rampart.DataPath.Tests.Rfc;

/// <summary>RFC 3602 §4 Case #5: a transport-mode AES-CBC ESP ping, checked through the transform and the whole processor.</summary>
public class AesCbcEspVectorTests
{
    private const string Key = "90d382b410eeba7ad938c46cec1a82bf";
    private const string Iv = "e96e8c08ab465763fd098d45dd3ff893";
    private const string OriginalHeader = "4500005408f200004001f9fec0a87b03c0a87b64";
    private const string Data = """
        08000ebd a70a0000 8e9c083d b95b0700 08090a0b 0c0d0e0f 10111213 14151617
        18191a1b 1c1d1e1f 20212223 24252627 28292a2b 2c2d2e2f 30313233 34353637
        """;
    private const string Trailer = "01020304 05060708 090a0b0c 0d0e 0e 01";
    private const string EncryptedHeader = "4500007c08f200004032f9a5c0a87b03c0a87b64";
    private const string Encrypted = """
        f663c25d 325c18c6 a9453e19 4e120849 a4870b66 cc6b9965 330013b4 898dc856
        a4699e52 3a55db08 0b59ec3a 8e4b7e52 775b07d1 db34ed9c 538ab50c 551b874a
        a269add0 47ad2d59 13ac19b7 cfbad4a6
        """;

    [Fact]
    public void Seal_Case5_IsByteExact()
    {
        using var transform = new CbcHmacEsp(CipherAlgorithm.AesCbc128, Hex.Parse(Key), IntegrityAlgorithm.None, []);
        var esp = Hex.Parse("00004321 00000001" + Iv + Data + Trailer);

        transform.Seal(esp, false, 0);

        Assert.Equal(Convert.ToHexString(Hex.Parse(Encrypted)), Convert.ToHexString(esp.AsSpan(24)));
    }

    [Fact]
    public void Unprotect_Case5WirePacket_RestoresOriginalPing()
    {
        using var database = new SecurityAssociationDatabase(new FakeTimeProvider());
        var spec = new SecurityAssociationSpec
        {
            Spi = 0x4321,
            Direction = SaDirection.Inbound,
            LocalAddress = IPAddress.Parse("192.168.123.100"),
            RemoteAddress = IPAddress.Parse("192.168.123.3"),
            Cipher = CipherAlgorithm.AesCbc128,
            CipherKey = KeyMaterial.FromHex(Key),
        };
        Assert.True(database.TryAddInbound(spec, out var sa));
        var processor = new IpsecProcessor(database);
        var buffer = new PacketBuffer();
        buffer.Load(Hex.Parse(EncryptedHeader + "00004321 00000001" + Iv + Encrypted));

        Assert.Equal(PacketStatus.Ok, processor.Unprotect(buffer, out var matched));

        Assert.Same(sa, matched);
        Assert.Equal(Convert.ToHexString(Hex.Parse(OriginalHeader + Data)), Convert.ToHexString(buffer.Span));
        Assert.Equal(64, sa.Counters.BytesIn);
        Assert.Equal(64, sa.Counters.ConfidentialBytesIn);
        Assert.Equal(0, sa.Counters.AuthenticatedBytesIn);
    }

    [Fact]
    public void Protect_Case5Ping_WritesPublishedHeaderAndDecryptsBack()
    {
        using var database = new SecurityAssociationDatabase(new FakeTimeProvider());
        var outbound = new SecurityAssociationSpec
        {
            Spi = 0x4321,
            Direction = SaDirection.Outbound,
            LocalAddress = IPAddress.Parse("192.168.123.3"),
            RemoteAddress = IPAddress.Parse("192.168.123.100"),
            Cipher = CipherAlgorithm.AesCbc128,
            CipherKey = KeyMaterial.FromHex(Key),
        };
        var sa = database.AddOutbound(Binding.ForSelector(5), outbound, out _);
        var processor = new IpsecProcessor(database);
        var buffer = new PacketBuffer();
        buffer.Load(Hex.Parse(OriginalHeader + Data));

        Assert.Equal(PacketStatus.Ok, processor.Protect(sa, buffer));

        var wire = buffer.Span.ToArray();
        Assert.Equal(EncryptedHeader + "0000432100000001", Convert.ToHexString(wire.AsSpan(0, 28)), ignoreCase: true);
        Assert.Equal(Hex.Parse(EncryptedHeader + "00004321 00000001" + Iv + Encrypted).Length, wire.Length);
        using var transform = new CbcHmacEsp(CipherAlgorithm.AesCbc128, Hex.Parse(Key), IntegrityAlgorithm.None, []);
        var esp = wire.AsSpan(20).ToArray();
        Assert.Equal(PacketStatus.Ok, transform.Open(esp, false, 0));
        Assert.Equal(Convert.ToHexString(Hex.Parse(Data + Trailer)), Convert.ToHexString(esp.AsSpan(24)));
    }
}
