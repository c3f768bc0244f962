namespace Rampart.Credentials.Certificates;

/// <summary>The key a test CA or an issued certificate gets: <c>--key rsa-2048|rsa-3072|ecdsa-p256|ecdsa-p384</c>.</summary>
public enum CaKeyAlgorithm
{
    Rsa2048,
    Rsa3072,
    EcdsaP256,
    EcdsaP384,
}

public static class CaKeyAlgorithms
{
    public static IReadOnlyList<string> Names { get; } = ["rsa-2048", "rsa-3072", "ecdsa-p256", "ecdsa-p384"];

    public static string Name(CaKeyAlgorithm algorithm) => Names[(int)algorithm];

    public static bool TryParse(string text, out CaKeyAlgorithm algorithm)
    {
        var index = Names.ToList().FindIndex(n => n.Equals(text, StringComparison.OrdinalIgnoreCase));
        algorithm = index < 0 ? default : (CaKeyAlgorithm)index;
        return index >= 0;
    }
}
