using System.Security.Cryptography;
using Rampart.Core.Algorithms;
using Rampart.Ike.Crypto;
using Rampart.Ike.Wire;

namespace Rampart.Ike.Tests.Crypto;

public class KeyDerivationTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex);

    [Fact]
    public void SignatureSkeyidAndChildren_MatchNistCavsIkev1Vector()
    {
        // NIST CAVS SP 800-135 IKEv1 (DSA/signature authentication, SHA-1) vector.
        var prf = new IkePrf(IntegrityAlgorithm.Sha1);
        var ni = Hex("ced5635da6796075");
        var nr = Hex("6244b427712fb776");
        var gxy = Hex("2a2e0bbe8da3657a83f3d35826e49e2d38e557e912a1b9e6c30c63577b3eab715466202862027f2c26f3090743555579611771db0b92bef93834432a3a7762fc8a0f4889fd281d6082770d10a40d7bad61e832f041e620d6787e7f62ab2861ddfbe272e0d9d3cdec5f1bbf750e24b8b32d6d714968ad69ce5086c32ad2742ebc");
        var skeyid = IkeV1KeyDerivation.SkeyidSignature(prf, ni, nr, gxy);
        Assert.Equal("dc37ac99de6dcfbd1ee74af7fb36f9b4b0a7829d", Convert.ToHexStringLower(skeyid));
        var (d, a, e) = IkeV1KeyDerivation.SkeyidChildren(prf, skeyid, gxy, 0x382e5c8b0a3fa307, 0xba4b7616700a2413);
        Assert.Equal("486293ed547adb562cefdaf43d3d8457b196f2b6", Convert.ToHexStringLower(d));
        Assert.Equal("f4053b5ca07e59bb41b8f401037ca90b72b3917e", Convert.ToHexStringLower(a));
        Assert.Equal("49a1d53a80fb77e663552964fbbcb45092021473", Convert.ToHexStringLower(e));
    }

    [Fact]
    public void PreSharedKeySkeyid_IsHmacOfTheNonces()
    {
        var prf = new IkePrf(IntegrityAlgorithm.Sha256);
        var skeyid = IkeV1KeyDerivation.SkeyidPreSharedKey(prf, "ABC123"u8, [1, 2], [3, 4]);
        Assert.Equal(HMACSHA256.HashData("ABC123"u8, [1, 2, 3, 4]), skeyid);
    }

    [Fact]
    public void EncryptionKey_ExpandsPerAppendixBWhenSkeyidEIsShort()
    {
        var prf = new IkePrf(IntegrityAlgorithm.Sha1);
        var skeyidE = Enumerable.Range(1, 20).Select(i => (byte)i).ToArray();
        var k1 = HMACSHA1.HashData(skeyidE, new byte[] { 0 });
        var k2 = HMACSHA1.HashData(skeyidE, k1);
        Assert.Equal([.. k1, .. k2[..4]], IkeV1KeyDerivation.EncryptionKey(prf, skeyidE, 24));
        Assert.Equal(skeyidE[..16], IkeV1KeyDerivation.EncryptionKey(prf, skeyidE, 16));
    }

    [Fact]
    public void Keymat_ChainsBlocksWithPfsSecretProtocolSpiAndNonces()
    {
        var prf = new IkePrf(IntegrityAlgorithm.Sha256);
        byte[] skeyidD = [7, 7, 7];
        byte[] gxy = [9, 9];
        byte[] ni = [1];
        byte[] nr = [2];
        byte[] seed = [.. gxy, 3, 0x11, 0x22, 0x33, 0x44, .. ni, .. nr];
        var k1 = HMACSHA256.HashData(skeyidD, seed);
        var k2 = HMACSHA256.HashData(skeyidD, k1.Concat(seed).ToArray());
        var keymat = IkeV1KeyDerivation.Keymat(prf, skeyidD, gxy, ProtocolId.IpsecEsp, 0x11223344, ni, nr, 52);
        Assert.Equal([.. k1, .. k2[..20]], keymat);
        var noPfs = IkeV1KeyDerivation.Keymat(prf, skeyidD, [], ProtocolId.IpsecEsp, 0x11223344, ni, nr, 20);
        Assert.Equal(HMACSHA256.HashData(skeyidD, new byte[] { 3, 0x11, 0x22, 0x33, 0x44, 1, 2 })[..20], noPfs);
    }

    [Fact]
    public void QuickModeHash3_StartsWithAZeroByte()
    {
        var prf = new IkePrf(IntegrityAlgorithm.Sha1);
        Assert.Equal(HMACSHA1.HashData(new byte[] { 5 }, new byte[] { 0, 0, 0, 0, 9, 1, 2 }), IkeV1KeyDerivation.QuickModeHash3(prf, [5], 9, [1], [2]));
    }

    [Fact]
    public void AesCbc_MatchesSp80038aF21()
    {
        using var cipher = new IkeCbcCipher(CipherAlgorithm.AesCbc128, Hex("2b7e151628aed2a6abf7158809cf4f3c"));
        var output = new byte[16];
        cipher.Encrypt(Hex("6bc1bee22e409f96e93d7e117393172a"), Hex("000102030405060708090a0b0c0d0e0f"), output);
        Assert.Equal("7649abac8119b246cee98e9b12e9197d", Convert.ToHexStringLower(output));
        var back = new byte[16];
        Assert.True(cipher.TryDecrypt(output, Hex("000102030405060708090a0b0c0d0e0f"), back));
        Assert.Equal("6bc1bee22e409f96e93d7e117393172a", Convert.ToHexStringLower(back));
        Assert.False(cipher.TryDecrypt(output.AsSpan(0, 15), new byte[16], back));
    }

    [Fact]
    public void TripleDes_UsesEightByteBlocks()
    {
        using var cipher = new IkeCbcCipher(CipherAlgorithm.TripleDes, Enumerable.Range(1, 24).Select(i => (byte)(i * 11)).ToArray());
        Assert.Equal(8, cipher.BlockSize);
        Assert.Equal(16, cipher.PaddedLength(9));
    }
}
