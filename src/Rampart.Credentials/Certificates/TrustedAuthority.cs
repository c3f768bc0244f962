using System.Security.Cryptography.X509Certificates;

namespace Rampart.Credentials.Certificates;

/// <summary>A root CA of the trusted store, under the name rules use in <c>cert:NAME</c>.</summary>
public sealed record TrustedAuthority(string Name, X509Certificate2 Certificate)
{
    public string Thumbprint => Certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256);
}
