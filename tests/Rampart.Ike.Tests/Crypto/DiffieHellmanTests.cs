using Org.BouncyCastle.Crypto.Agreement;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Rampart.Core.Algorithms;
using Rampart.Ike.Crypto;

namespace Rampart.Ike.Tests.Crypto;

public class DiffieHellmanTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex);

    [Theory]
    // RFC 5903 §8.1 (group 19) and §8.2 (group 20): i, g^i = x||y, g^r = x||y, g^ir x.
    [InlineData(DhGroup.Ecp256,
        "C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433",
        "DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C37725811805271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3",
        "D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF6356FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB",
        "D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE")]
    [InlineData(DhGroup.Ecp384,
        "099F3C7034D4A2C699884D73A375A67F7624EF7C6B3C0F160647B67414DCE655E35B538041E649EE3FAEF896783AB194",
        "667842D7D180AC2CDE6F74F37551F55755C7645C20EF73E31634FE72B4C55EE6DE3AC808ACB4BDB4C88732AEE95F41AA9482ED1FC0EEB9CAFC4984625CCFC23F65032149E0E144ADA024181535A0F38EEB9FCFF3C2C947DAE69B4C634573A81C",
        "E558DBEF53EECDE3D3FCCFC1AEA08A89A987475D12FD950D83CFA41732BC509D0D1AC43A0336DEF96FDA41D0774A3571DCFBEC7AACF3196472169E838430367F66EEBE3C6E70C416DD5F0C68759DD1FFF83FA40142209DFF5EAAD96DB9E6386C",
        "11187331C279962D93D604243FD592CB9D0A926F422E47187521287E7156C5C4D603135569B9E9D09CF5D4A270F59746")]
    public void Ecp_MatchesRfc5903(DhGroup group, string privateKey, string publicValue, string peerPublicValue, string shared)
    {
        using var dh = new EcpDiffieHellman(group, Hex(privateKey));
        Assert.Equal(publicValue, Convert.ToHexString(dh.PublicValue));
        Assert.True(dh.TryComputeSharedSecret(Hex(peerPublicValue), out var secret));
        Assert.Equal(shared, Convert.ToHexString(secret));
    }

    [Fact]
    public void Ecp_RejectsPointOffTheCurveAndWrongLength()
    {
        using var dh = DiffieHellmanFactory.Create(DhGroup.Ecp256);
        var offCurve = new byte[64];
        offCurve[31] = 1;
        offCurve[63] = 1;
        Assert.False(dh.TryComputeSharedSecret(offCurve, out _));
        Assert.False(dh.TryComputeSharedSecret(new byte[63], out _));
    }

    [Fact]
    public void X25519_MatchesRfc7748Section61()
    {
        using var alice = new X25519DiffieHellman(Hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
        Assert.Equal("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", Convert.ToHexStringLower(alice.PublicValue));
        using var bob = new X25519DiffieHellman(Hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
        Assert.Equal("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", Convert.ToHexStringLower(bob.PublicValue));
        Assert.True(alice.TryComputeSharedSecret(bob.PublicValue, out var secret));
        Assert.Equal("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", Convert.ToHexStringLower(secret));
    }

    [Fact]
    public void X25519_RejectsLowOrderPointGivingZeroSecret()
    {
        using var dh = new X25519DiffieHellman();
        Assert.False(dh.TryComputeSharedSecret(new byte[32], out _));
        Assert.False(dh.TryComputeSharedSecret(new byte[31], out _));
    }

    [Theory]
    [InlineData(DhGroup.Modp768, 96)]
    [InlineData(DhGroup.Modp1024, 128)]
    [InlineData(DhGroup.Modp2048, 256)]
    [InlineData(DhGroup.Modp3072, 384)]
    [InlineData(DhGroup.Modp4096, 512)]
    public void ModpPrimes_HaveTheRfc2409And3526Shape(DhGroup group, int length)
    {
        var p = ModpDiffieHellman.Prime(group);
        Assert.Equal(length, p.Length);
        // Every Oakley/RFC 3526 prime is 2^n - 2^(n-64) - 1 + 2^64 * (floor(2^(n-130) pi) + k): 64 one bits,
        // then the bits of pi (C90FDAA2 2168C234 C4C6628B), and 64 one bits at the end.
        Assert.Equal("FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B", Convert.ToHexString(p[..20]));
        Assert.Equal("FFFFFFFFFFFFFFFF", Convert.ToHexString(p[^8..]));
        Assert.Equal(length, DiffieHellmanFactory.PublicValueLength(group));
    }

    [Fact]
    public void Modp2048_Rfc3526Prime_HasTheKnownTail()
    {
        // RFC 3526 §3: the 2048-bit prime ends ... 15728E5A 8AACAA68 FFFFFFFF FFFFFFFF.
        Assert.Equal("15728E5A8AACAA68FFFFFFFFFFFFFFFF", Convert.ToHexString(ModpDiffieHellman.Prime(DhGroup.Modp2048)[^16..]));
    }

    [Theory]
    [InlineData(DhGroup.Modp1024)]
    [InlineData(DhGroup.Modp2048)]
    [InlineData(DhGroup.Ecp256)]
    [InlineData(DhGroup.Ecp384)]
    [InlineData(DhGroup.X25519)]
    public void TwoParties_AgreeOnTheSharedSecret(DhGroup group)
    {
        using var a = DiffieHellmanFactory.Create(group);
        using var b = DiffieHellmanFactory.Create(group);
        Assert.Equal(DiffieHellmanFactory.PublicValueLength(group), a.PublicValue.Length);
        Assert.True(a.TryComputeSharedSecret(b.PublicValue, out var ab));
        Assert.True(b.TryComputeSharedSecret(a.PublicValue, out var ba));
        Assert.Equal(ab, ba);
    }

    [Fact]
    public void Modp_RejectsDegeneratePublicValues()
    {
        using var dh = DiffieHellmanFactory.Create(DhGroup.Modp2048);
        var one = new byte[256];
        one[^1] = 1;
        Assert.False(dh.TryComputeSharedSecret(one, out _));
        var pMinusOne = ModpDiffieHellman.Prime(DhGroup.Modp2048);
        pMinusOne[^1] -= 1;
        Assert.False(dh.TryComputeSharedSecret(pMinusOne, out _));
        Assert.False(dh.TryComputeSharedSecret(ModpDiffieHellman.Prime(DhGroup.Modp2048), out _));
        Assert.False(dh.TryComputeSharedSecret(new byte[255], out _));
    }
    [Theory]
    [InlineData(DhGroup.Modp768)]
    [InlineData(DhGroup.Modp1024)]
    [InlineData(DhGroup.Modp2048)]
    [InlineData(DhGroup.Modp3072)]
    [InlineData(DhGroup.Modp4096)]
    public void ModpInstances_AgreeAndHaveDistinctFullLengthValues(DhGroup group)
    {
        using var a = new ModpDiffieHellman(group);
        using var b = new ModpDiffieHellman(group);
        var length = DiffieHellmanFactory.PublicValueLength(group);
        Assert.Equal(length, a.PublicValue.Length);
        Assert.False(a.PublicValue.SequenceEqual(b.PublicValue));
        Assert.True(a.TryComputeSharedSecret(b.PublicValue, out var ab));
        Assert.True(b.TryComputeSharedSecret(a.PublicValue, out var ba));
        Assert.Equal(length, ab.Length);
        Assert.Equal(ab, ba);
        Assert.NotEqual(ab, a.PublicValue.ToArray());
    }

    [Theory]
    [InlineData(DhGroup.Modp768)]
    [InlineData(DhGroup.Modp1024)]
    [InlineData(DhGroup.Modp2048)]
    [InlineData(DhGroup.Modp3072)]
    [InlineData(DhGroup.Modp4096)]
    public void Modp_RefusesZeroOneAndPrimeMinusOneAndPrime(DhGroup group)
    {
        using var dh = new ModpDiffieHellman(group);
        var prime = ModpDiffieHellman.Prime(group);
        var zero = new byte[prime.Length];
        var one = new byte[prime.Length];
        one[^1] = 1;
        var primeMinusOne = (byte[])prime.Clone();
        primeMinusOne[^1] -= 1;
        var two = new byte[prime.Length];
        two[^1] = 2;
        var primeMinusTwo = (byte[])prime.Clone();
        primeMinusTwo[^1] -= 2;

        Assert.False(dh.TryComputeSharedSecret(zero, out _));
        Assert.False(dh.TryComputeSharedSecret(one, out _));
        Assert.False(dh.TryComputeSharedSecret(primeMinusOne, out _));
        Assert.False(dh.TryComputeSharedSecret(prime, out _));
        Assert.True(dh.TryComputeSharedSecret(two, out _));
        Assert.True(dh.TryComputeSharedSecret(primeMinusTwo, out _));
    }

    [Fact]
    public void Modp_AgreementWithTheGenerator_GivesTheOwnPublicValue()
    {
        // y = g makes y^x = g^x: the agreement uses the same exponent as the public value, modulo the same prime.
        using var dh = new ModpDiffieHellman(DhGroup.Modp1024);
        var generator = new byte[128];
        generator[^1] = 2;
        Assert.True(dh.TryComputeSharedSecret(generator, out var secret));
        Assert.Equal(dh.PublicValue.ToArray(), secret);
    }
    [Theory]
    [InlineData(DhGroup.Modp1024)]
    [InlineData(DhGroup.Modp2048)]
    public void Modp_AgreesWithBouncyCastle(DhGroup group)
    {
        // An independent implementation on the other side: BouncyCastle's full-length exponent key pair.
        var prime = new Org.BouncyCastle.Math.BigInteger(1, ModpDiffieHellman.Prime(group));
        var parameters = new DHParameters(prime, Org.BouncyCastle.Math.BigInteger.Two);
        var generator = new DHKeyPairGenerator();
        generator.Init(new DHKeyGenerationParameters(new SecureRandom(), parameters));
        var pair = generator.GenerateKeyPair();
        var bouncyPublic = ((DHPublicKeyParameters)pair.Public).Y.ToByteArrayUnsigned();
        var peerValue = new byte[prime.ToByteArrayUnsigned().Length];
        bouncyPublic.CopyTo(peerValue, peerValue.Length - bouncyPublic.Length);
        using var ours = new ModpDiffieHellman(group);

        Assert.True(ours.TryComputeSharedSecret(peerValue, out var oursSecret));
        var agreement = new DHBasicAgreement();
        agreement.Init(pair.Private);
        var theirs = agreement.CalculateAgreement(new DHPublicKeyParameters(new Org.BouncyCastle.Math.BigInteger(1, ours.PublicValue.ToArray()), parameters));
        Assert.Equal(theirs, new Org.BouncyCastle.Math.BigInteger(1, oursSecret));
    }
}
