using Rampart.Core.Algorithms;

namespace Rampart.Core.Tests.Algorithms;

public class AlgorithmCatalogTests
{
    [Theory]
    [InlineData("aes-gcm-128", CipherAlgorithm.AesGcm128)]
    [InlineData("AES-CBC-256", CipherAlgorithm.AesCbc256)]
    [InlineData("chacha20-poly1305", CipherAlgorithm.ChaCha20Poly1305)]
    [InlineData("3des", CipherAlgorithm.TripleDes)]
    [InlineData("null", CipherAlgorithm.Null)]
    public void TryParseCipher_KnownSpelling_RoundTrips(string text, CipherAlgorithm expected)
    {
        Assert.True(AlgorithmCatalog.TryParseCipher(text, out var cipher));
        Assert.Equal(expected, cipher);
        Assert.Equal(text.ToLowerInvariant(), AlgorithmCatalog.Name(cipher));
    }

    [Theory]
    [InlineData("modp2048", DhGroup.Modp2048)]
    [InlineData("14", DhGroup.Modp2048)]
    [InlineData("ecp384", DhGroup.Ecp384)]
    [InlineData("31", DhGroup.X25519)]
    [InlineData("1", DhGroup.Modp768)]
    public void TryParseGroup_NameOrNumber_Parses(string text, DhGroup expected)
    {
        Assert.True(AlgorithmCatalog.TryParseGroup(text, out var group));
        Assert.Equal(expected, group);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("3")]
    [InlineData("modp9999")]
    [InlineData("")]
    public void TryParseGroup_Unknown_Fails(string text) => Assert.False(AlgorithmCatalog.TryParseGroup(text, out _));

    [Fact]
    public void Legacy_ExactlyTheWindows2000Set()
    {
        Assert.Equal([CipherAlgorithm.TripleDes, CipherAlgorithm.Des], Enum.GetValues<CipherAlgorithm>().Where(AlgorithmCatalog.IsLegacy));
        Assert.Equal([IntegrityAlgorithm.Sha1, IntegrityAlgorithm.Md5], Enum.GetValues<IntegrityAlgorithm>().Where(AlgorithmCatalog.IsLegacy));
        Assert.Equal([DhGroup.Modp768, DhGroup.Modp1024], Enum.GetValues<DhGroup>().Where(AlgorithmCatalog.IsLegacy));
    }

    [Theory]
    [InlineData(CipherAlgorithm.AesGcm128, 20)]
    [InlineData(CipherAlgorithm.AesGcm256, 36)]
    [InlineData(CipherAlgorithm.ChaCha20Poly1305, 36)]
    [InlineData(CipherAlgorithm.AesCbc128, 16)]
    [InlineData(CipherAlgorithm.TripleDes, 24)]
    public void KeyMaterialLength_IncludesAeadSalt(CipherAlgorithm cipher, int expected) =>
        Assert.Equal(expected, AlgorithmCatalog.KeyMaterialLength(cipher));

    [Theory]
    [InlineData(IntegrityAlgorithm.Sha1, 12)]
    [InlineData(IntegrityAlgorithm.Md5, 12)]
    [InlineData(IntegrityAlgorithm.Sha256, 16)]
    [InlineData(IntegrityAlgorithm.Sha512, 32)]
    public void IcvLength_FollowsRfc4868Truncation(IntegrityAlgorithm integrity, int expected) =>
        Assert.Equal(expected, AlgorithmCatalog.IcvLength(integrity));
}
