using System.Buffers.Binary;
using Rampart.DataPath.Transforms;

namespace Rampart.DataPath.Tests.Rfc;

/// <summary>
/// ESP packets from draft-mcgrew-gcm-test-01 §4 (AES-GCM in ESP, RFC 4106) and RFC 7634 Appendix A
/// (ChaCha20-Poly1305 in ESP): SPI | seq | IV | ciphertext | ICV, sealed and opened byte for byte.
/// A 64-bit "seq" in the draft means ESN: the high half goes only into the AAD.
/// </summary>
public class AesGcmEspVectorTests
{
    public static TheoryData<string, string, string, ulong, bool, string, string, string> Cases => new()
    {
        {
            "draft-mcgrew case 1 (AES-128, ESN)",
            "4c80cdefbb5d10da906ac73c3613a634" + "2e443b68", "00004321", 0x8765432100000000, true, "4956ed7e3b244cfe",
            "45000048699a000080114db7c0a80102 c0a801010a9bf15638d3010000010000 00000000045f736970045f7564700373 69700963796265726369747902646b00 0021000101020201",
            "fecf537e729d5b07dc30df528dd22b76 8d1b98736696a6fd348509fa13ceac34 cfa2436f14a3f3cf65925bf1f4a13c5d 15b21e1884f5ff6247aeabb786b93bce 61bc17d768fd9732459018148f6cbe72 2fd04796562dfdb4"
        },
        {
            "draft-mcgrew case 2 (AES-128)",
            "feffe9928665731c6d6a8f9467308308" + "cafebabe", "0000a5f8", 0x0a, false, "facedbaddecaf888",
            "4500003e698f000080114dccc0a80102 c0a801010a980035002a2343b2d00100 00010000000000000373697009637962 65726369747902646b00000100010001",
            "deb22cd9b07c72c16e3a65beeb8df304 a5a5897d33ae530f1ba76d5d114d2a5c 3de81827c10e9a4f51330d0eec416642 cfbb85a5b47e48a4ec3b9ba95d918bd1 83b70d3aa8bc6ee4c309e9d85a41ad4a"
        },
        {
            "draft-mcgrew case 3 (AES-256)",
            "abbccddef00112233445566778899aababbccddef00112233445566778899aab" + "11223344", "4a2cbfe3", 2, false, "0102030405060708",
            "4500003069a6400080062690c0a80102 9389155e0a9e008b2dc57ee000000000 7002400020bf0000020405b401010402 01020201",
            "ff425c9b724599df7a3bcd510194e00d 6a78107f1b0b1cbf06efae9d65a5d763 748a637985771d347f0545659f14e99d ef842d8eb335f4eecfdbf831824b4c49 15956c96"
        },
        {
            "draft-mcgrew case 4 (AES-128, zero key)",
            "00000000000000000000000000000000" + "00000000", "00000000", 1, false, "0000000000000000",
            "4500003c99c500008001cb7a40679318 010101010800075c0200440061626364 65666768696a6b6c6d6e6f7071727374 75767761626364656667686901020201",
            "4688daf2f973a392732909c331d56d60 f694abaa414b5e7ff5fdcdfff5e9a284 456476492719ffb64de7d9dca1e1d894 bc3bd57873ed4d181d19d4d5c8c18af3 f821d496eeb096e98ad2b69e4799c71d"
        },
        {
            "draft-mcgrew case 5 (AES-128, ESN)",
            "3de09874b388e6491988d0c3607eae1f" + "57690e43", "42f67e3f", 0x1010101010101010, true, "4e280000a2fca1a3",
            "4500003c99c300008001cb7c40679318 010101010800085c0200430061626364 65666768696a6b6c6d6e6f7071727374 75767761626364656667686901020201",
            "fba2caa4853cf9f0f22cb10d86dd83b0 fec75691cf1a04b00d1138ec9c357917 65acbd8701ad79845bf9fe3fba487bc9 1755e6662b4c8d0d1f5e22739530320a e0d731cc978ecafaeae88f00e80d6e48"
        },
        {
            "draft-mcgrew case 7 (AES-256, ESN)",
            "abbccddef00112233445566778899aababbccddef00112233445566778899aab" + "73616c74", "17405e67", 0x156f3126dd0db99b, true, "616e640169766563",
            "45080028732c00004006e9f90a010612 0a01038f06b88023dd6bafbecb712602 50101f646d540001",
            "f2d69ecdbd5a0d5b8d5ef38bad4da58d 1f278fde98ef67549d524a3018d9a57f f4d3a31ce673119e451626c2415771e3 b7eebca614c89b35"
        },
        {
            "draft-mcgrew (AES-128, seq ffffffff)",
            "7d773d00c144c525ac619d18c84a3f47" + "d9664267", "335467ae", 0xffffffff, false, "43457e9182443bc6",
            "01020201",
            "437f866bcb3f699fe9b0822bac961c45 04bef270"
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Seal_PublishedGcmPacket_IsByteExact(string name, string key, string spi, ulong sequence, bool esn, string iv, string plaintext, string ciphertextAndTag)
    {
        using var transform = new AesGcmEsp(Hex.Parse(key));
        var packet = Build(spi, sequence, iv, Hex.Parse(plaintext), transform.IcvLength);

        transform.Seal(packet, esn, (uint)(sequence >> 32));

        Assert.True(Hex.Parse(ciphertextAndTag).AsSpan().SequenceEqual(packet.AsSpan(16)), name);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Open_PublishedGcmPacket_RecoversPlaintext(string name, string key, string spi, ulong sequence, bool esn, string iv, string plaintext, string ciphertextAndTag)
    {
        using var transform = new AesGcmEsp(Hex.Parse(key));
        var packet = Build(spi, sequence, iv, Hex.Parse(ciphertextAndTag), 0);

        Assert.Equal(PacketStatus.Ok, transform.Open(packet, esn, (uint)(sequence >> 32)));
        Assert.True(Hex.Parse(plaintext).AsSpan().SequenceEqual(packet.AsSpan(16, packet.Length - 32)), name);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Open_WrongSequenceHigh_FailsAuthentication(string name, string key, string spi, ulong sequence, bool esn, string iv, string plaintext, string ciphertextAndTag)
    {
        _ = plaintext;
        using var transform = new AesGcmEsp(Hex.Parse(key));
        var packet = Build(spi, sequence, iv, Hex.Parse(ciphertextAndTag), 0);
        packet[10] ^= 0x01;

        Assert.Equal(PacketStatus.AuthenticationFailed, transform.Open(packet, esn, (uint)(sequence >> 32)));
        Assert.NotNull(name);
    }

    private const string ChaChaPlaintext = """
        45 00 00 54 a6 f2 00 00 40 01 e7 78 c6 33 64 05 c0 00 02 05 08 00 5b 7a 3a 08 00 00 55 3b ec 10
        00 07 36 27 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f 20 21 22 23
        24 25 26 27 28 29 2a 2b 2c 2d 2e 2f 30 31 32 33 34 35 36 37 01 02 02 04
        """;

    private const string ChaChaCiphertextAndTag = """
        24 03 94 28 b9 7f 41 7e 3c 13 75 3a 4f 05 08 7b 67 c3 52 e6 a7 fa b1 b9 82 d4 66 ef 40 7a e5 c6
        14 ee 80 99 d5 28 44 eb 61 aa 95 df ab 4c 02 f7 2a a7 1e 7c 4c 4f 64 c9 be fe 2f ac c6 38 e8 f3
        cb ec 16 3f ac 46 9b 50 27 73 f6 fb 94 e6 64 da 91 65 b8 28 29 f6 41 e0
        76 aa a8 26 6b 7f b0 f7 b1 1b 36 99 07 e1 ad 43
        """;

    private const string ChaChaKey = """
        80 81 82 83 84 85 86 87 88 89 8a 8b 8c 8d 8e 8f 90 91 92 93 94 95 96 97 98 99 9a 9b 9c 9d 9e 9f
        a0 a1 a2 a3
        """;

    [Fact]
    public void Seal_Rfc7634AppendixA_IsByteExact()
    {
        using var transform = new ChaCha20Poly1305Esp(Hex.Parse(ChaChaKey));
        var packet = Build("01020304", 5, "1011121314151617", Hex.Parse(ChaChaPlaintext), transform.IcvLength);

        transform.Seal(packet, false, 0);

        Assert.Equal(Convert.ToHexString(Hex.Parse(ChaChaCiphertextAndTag)), Convert.ToHexString(packet.AsSpan(16)));
    }

    [Fact]
    public void Open_Rfc7634AppendixA_RecoversPlaintextAndRejectsFlippedTag()
    {
        using var transform = new ChaCha20Poly1305Esp(Hex.Parse(ChaChaKey));
        var packet = Build("01020304", 5, "1011121314151617", Hex.Parse(ChaChaCiphertextAndTag), 0);
        var forged = (byte[])packet.Clone();
        forged[^1] ^= 0x80;

        Assert.Equal(PacketStatus.Ok, transform.Open(packet, false, 0));
        Assert.Equal(Convert.ToHexString(Hex.Parse(ChaChaPlaintext)), Convert.ToHexString(packet.AsSpan(16, packet.Length - 32)));
        Assert.Equal(PacketStatus.AuthenticationFailed, transform.Open(forged, false, 0));
    }

    private static byte[] Build(string spi, ulong sequence, string iv, byte[] body, int icvSpace)
    {
        var packet = new byte[16 + body.Length + icvSpace];
        Hex.Parse(spi).CopyTo(packet, 0);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), (uint)sequence);
        Hex.Parse(iv).CopyTo(packet, 8);
        body.CopyTo(packet, 16);
        return packet;
    }
}
