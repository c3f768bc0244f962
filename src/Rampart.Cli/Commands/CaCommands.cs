using System.CommandLine;
using System.Globalization;
using System.Net;
using Rampart.Credentials.Certificates;

namespace Rampart.Cli.Commands;

/// <summary>
/// <c>rampart ca ...</c>: a small test CA kept in a directory, in the spirit of strongSwan's <c>pki</c>: create (a root,
/// or an intermediate under another), issue certificates as PKCS#12, revoke them, and publish a CRL.
/// </summary>
internal static class CaCommands
{
    public static Command Create() => new("ca", "A small certificate authority for tests and small sites")
    {
        CreateCa(), Issue(), Revoke(), Crl(),
    };

    private static Command CreateCa()
    {
        var directory = new Argument<string>("dir") { Description = "Directory for the CA (created 0700; its key is 0600)" };
        var name = new Option<string>("--name") { Description = "The CA's common name", Required = true, HelpName = "NAME" };
        var key = KeyOption("The CA's key (default: rsa-2048, or the parent CA's with --issuer)");
        var issuer = new Option<string>("--issuer") { Description = "Make an intermediate CA signed by the CA in this directory", HelpName = "PARENT-DIR" };
        var crlUrl = CrlUrlOption("With --issuer: where the parent CA's CRL is published (put in the intermediate's certificate)");
        var days = DaysOption("How long the CA certificate is valid (default: 3650)");
        var command = new Command("create", "Create a root CA (or, with --issuer, an intermediate CA)") { directory, name, key, issuer, crlUrl, days };
        command.SetAction(parse =>
        {
            if (!TryKey(parse.GetValue(key), out var algorithm, out var error) || !TryCrlUrl(parse.GetValue(crlUrl), out var url, out error))
            {
                return Cli.Usage(error);
            }

            using var parent = parse.GetValue(issuer) is { } parentDirectory ? TestCertificateAuthority.Open(parentDirectory) : null;
            var path = parse.GetValue(directory)!;
            using var ca = TestCertificateAuthority.Create(path, parse.GetValue(name)!, algorithm ?? parent?.KeyAlgorithm ?? CaKeyAlgorithm.Rsa2048, TimeProvider.System, parent, url, Days(parse.GetValue(days)));
            Console.WriteLine($"created {(parent is null ? "root" : "intermediate")} CA '{ca.Name}' ({CertificateKeyKinds.Describe(ca.Certificate)}) in {Path.GetFullPath(path)}"
                + (parent is null ? "" : $", issued by '{parent.Name}'"));
            Console.WriteLine($"  its certificate: {Path.Combine(Path.GetFullPath(path), "ca.crt")}; trust it with 'rampart cert trust {Path.Combine(path, "ca.crt")}'");
            return CliRunner.Success;
        });
        return command;
    }

    private static Command Issue()
    {
        var directory = new Argument<string>("dir") { Description = "The CA's directory" };
        var subject = new Option<string>("--subject") { Description = "Distinguished name, e.g. \"CN=host.example, O=Example\"", Required = true, HelpName = "DN" };
        var addresses = new Option<string[]>("--ip") { Description = "An IP address for subjectAltName (repeatable)", HelpName = "ADDR" };
        var dnsNames = new Option<string[]>("--dns") { Description = "A DNS name for subjectAltName (repeatable)", HelpName = "NAME" };
        var eku = new Option<string>("--eku") { Description = "ike: add the IP security IKE intermediate extended key usage" };
        eku.AcceptOnlyFromAmong("ike");
        var crlUrl = CrlUrlOption("Where this CA's CRL is published (the certificate's CRL distribution point)");
        var output = new Option<string>("--out") { Description = "PKCS#12 file to write (certificate, private key and CA chain; mode 0600)", Required = true, HelpName = "FILE.p12" };
        var passwordFile = new Option<string>("--password-file") { Description = "File holding the PKCS#12 password (default: no password)", HelpName = "FILE" };
        var key = KeyOption("The certificate's key (default: the CA's)");
        var days = DaysOption("How long the certificate is valid (default: 365)");
        var command = new Command("issue", "Issue a certificate with its private key, as PKCS#12") { directory, subject, addresses, dnsNames, eku, crlUrl, output, passwordFile, key, days };
        command.SetAction(parse =>
        {
            var ips = new List<IPAddress>();
            foreach (var text in parse.GetValue(addresses) ?? [])
            {
                if (!IPAddress.TryParse(text, out var address))
                {
                    return Cli.Usage($"invalid --ip '{text}': expected an IPv4 or IPv6 address");
                }

                ips.Add(address);
            }

            var dns = parse.GetValue(dnsNames) ?? [];
            if (dns.FirstOrDefault(n => Uri.CheckHostName(n) != UriHostNameType.Dns) is { } badName)
            {
                return Cli.Usage($"invalid --dns '{badName}': expected a DNS name");
            }

            if (!TryKey(parse.GetValue(key), out var algorithm, out var error) || !TryCrlUrl(parse.GetValue(crlUrl), out var url, out error))
            {
                return Cli.Usage(error);
            }

            var password = parse.GetValue(passwordFile) is { } passwordPath ? CertificateInputFile.ReadPassword(passwordPath) : "";
            using var ca = TestCertificateAuthority.Open(parse.GetValue(directory)!);
            var request = new CertificateIssueRequest(parse.GetValue(subject)!, ips, dns, parse.GetValue(eku) == "ike", url, algorithm, Days(parse.GetValue(days)));
            using var issued = ca.Issue(request, TimeProvider.System.GetUtcNow());
            var outputPath = Path.GetFullPath(parse.GetValue(output)!);
            AtomicFile.Write(outputPath, ca.ExportPkcs12(issued, password), AtomicFile.Private);
            Console.WriteLine($"issued {issued.Subject} (serial {issued.SerialNumber}, {CertificateKeyKinds.Describe(issued)}, valid until {issued.NotAfter.ToUniversalTime():yyyy-MM-dd}) by '{ca.Name}' into {outputPath}");
            Console.WriteLine($"  import it with 'rampart cert import {parse.GetValue(output)}{(password.Length > 0 ? " --password-file FILE" : "")}'");
            return CliRunner.Success;
        });
        return command;
    }

    private static Command Revoke()
    {
        var directory = new Argument<string>("dir") { Description = "The CA's directory" };
        var target = new Argument<string>("certificate") { Description = "A certificate file the CA issued (PEM, DER or PKCS#12) or its serial number (hex)", HelpName = "FILE|SERIAL" };
        var passwordFile = new Option<string>("--password-file") { Description = "File holding the PKCS#12 password, when FILE is one", HelpName = "FILE" };
        var command = new Command("revoke", "Revoke a certificate the CA issued (publish it with 'rampart ca crl')") { directory, target, passwordFile };
        command.SetAction(parse =>
        {
            using var ca = TestCertificateAuthority.Open(parse.GetValue(directory)!);
            var text = parse.GetValue(target)!;
            var now = TimeProvider.System.GetUtcNow();
            string serial;
            if (File.Exists(text))
            {
                var password = parse.GetValue(passwordFile) is { } passwordPath ? CertificateInputFile.ReadPassword(passwordPath) : null;
                var parsed = CertificateFileParser.Parse(CertificateInputFile.Read(text), text, password);
                parsed.PrivateKey?.Dispose();
                var certificate = parsed.Certificates.FirstOrDefault(c => CertificateChooser.SameName(c.IssuerName, ca.Certificate.SubjectName))
                    ?? throw new InvalidDataException($"{text} holds no certificate issued by CA '{ca.Name}'");
                serial = ca.Revoke(certificate, now);
            }
            else if (text.Replace(":", "", StringComparison.Ordinal).All(char.IsAsciiHexDigit))
            {
                serial = ca.Revoke(text, now);
            }
            else
            {
                return Cli.Usage($"'{text}' is neither a file nor a serial number (hex)");
            }

            Console.WriteLine($"revoked serial {serial}; publish the new CRL with 'rampart ca crl {parse.GetValue(directory)} --out FILE'");
            return CliRunner.Success;
        });
        return command;
    }

    private static Command Crl()
    {
        var directory = new Argument<string>("dir") { Description = "The CA's directory" };
        var output = new Option<string>("--out") { Description = "CRL file to write (DER)", Required = true, HelpName = "FILE" };
        var days = DaysOption("Days until the CRL's nextUpdate (default: 7)");
        var command = new Command("crl", "Write the CA's certificate revocation list (DER), signed by the CA") { directory, output, days };
        command.SetAction(parse =>
        {
            using var ca = TestCertificateAuthority.Open(parse.GetValue(directory)!);
            var validity = Days(parse.GetValue(days)) ?? TestCertificateAuthority.DefaultCrlValidity;
            var outputPath = Path.GetFullPath(parse.GetValue(output)!);
            AtomicFile.Write(outputPath, ca.CreateCrl(TimeProvider.System.GetUtcNow(), validity),
                UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote the CRL of '{ca.Name}' ({ca.RevokedSerials.Count} revoked, next update {TimeProvider.System.GetUtcNow().Add(validity):yyyy-MM-dd HH:mm} UTC) to {outputPath}"));
            return CliRunner.Success;
        });
        return command;
    }

    private static Option<string> KeyOption(string description)
    {
        var key = new Option<string>("--key") { Description = description, HelpName = string.Join('|', CaKeyAlgorithms.Names) };
        key.AcceptOnlyFromAmong([.. CaKeyAlgorithms.Names]);
        return key;
    }

    private static Option<string> CrlUrlOption(string description) => new("--crl-url") { Description = description + "; http:// only", HelpName = "URL" };

    private static Option<int?> DaysOption(string description) => new("--days") { Description = description, HelpName = "N" };

    private static TimeSpan? Days(int? days) => days is { } n ? TimeSpan.FromDays(n) : null;

    private static bool TryKey(string? text, out CaKeyAlgorithm? algorithm, out string error)
    {
        algorithm = null;
        error = "";
        if (text is null)
        {
            return true;
        }

        if (CaKeyAlgorithms.TryParse(text, out var parsed))
        {
            algorithm = parsed;
            return true;
        }

        error = $"invalid --key '{text}': expected one of {string.Join(", ", CaKeyAlgorithms.Names)}";
        return false;
    }

    private static bool TryCrlUrl(string? text, out Uri? url, out string error)
    {
        url = null;
        error = "";
        if (text is null)
        {
            return true;
        }

        if (Uri.TryCreate(text, UriKind.Absolute, out var parsed) && parsed.Scheme == Uri.UriSchemeHttp)
        {
            url = parsed;
            return true;
        }

        error = $"invalid --crl-url '{text}': expected an http:// URL (Rampart fetches CRLs over plain HTTP only)";
        return false;
    }
}
