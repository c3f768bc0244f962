using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Rampart.Credentials.Certificates;

namespace Rampart.Cli.Commands;

/// <summary>
/// <c>rampart cert ...</c>: the host's certificate store in the walkthrough's two parts: personal certificates
/// (import, list, delete) and the trusted root CAs (trust, untrust, trusted); and the CRL checking level.
/// </summary>
internal static class CertCommands
{
    public static Command Create() => new("cert", "Manage this computer's certificates, the trusted root CAs and CRL checking")
    {
        Import(), List(), Delete(), Trust(), Untrust(), Trusted(), CrlCheck(),
    };

    private static Command Import()
    {
        var file = new Argument<string>("file") { Description = "Certificate file: PEM (with the key inside or not), DER, or PKCS#12 (.p12/.pfx)" };
        var key = new Option<string>("--key") { Description = "The certificate's private key (PEM or DER), when not in FILE", HelpName = "FILE" };
        var passwordFile = new Option<string>("--password-file") { Description = "File holding the PKCS#12 or key password (mode 0600)", HelpName = "FILE" };
        var command = new Command("import", "Import a certificate (and its private key and chain) into the personal store") { file, key, passwordFile };
        command.SetAction(parse =>
        {
            Cli.RequireStoreAccess("changing the certificate store");
            var path = parse.GetValue(file)!;
            var keyPath = parse.GetValue(key);
            var password = parse.GetValue(passwordFile) is { } passwordPath ? CertificateInputFile.ReadPassword(passwordPath) : null;
            var store = CertificateStore.Open();
            var imported = store.Import(CertificateInputFile.Read(path), path, keyPath is null ? [] : CertificateInputFile.Read(keyPath), keyPath, password);
            Console.WriteLine($"imported {imported.Certificate.Subject} (thumbprint {imported.Thumbprint})");
            Console.WriteLine(imported.HasPrivateKey
                ? $"  {CertificateAssignmentCheck.PrivateKeyMessage}."
                : "  No private key corresponds to this certificate here: IKE cannot use it to prove this computer's identity (import it again with --key or as PKCS#12).");
            var trusted = store.LoadTrusted();
            var usable = CertificateChooser.Usable(store.LoadPersonal(), trusted, [.. trusted.Select(a => a.Name)], TimeProvider.System.GetUtcNow());
            if (imported.HasPrivateKey && !usable.Any(c => c.Certificate.Thumbprint == imported.Certificate.Thumbprint))
            {
                Console.WriteLine($"  Note: it is not valid now or does not chain to a trusted root CA; trust the root above {imported.Certificate.Issuer} with 'rampart cert trust FILE'.");
            }

            return CliRunner.Success;
        });
        return command;
    }

    private static Command List()
    {
        var json = Cli.JsonOption();
        var command = new Command("list", "List the personal certificates and whether each has its private key") { json };
        command.SetAction(parse =>
        {
            Cli.RequireStoreAccess("reading the certificate store");
            var personal = CertificateStore.Open().LoadPersonal();
            if (parse.GetValue(json))
            {
                return Cli.WriteJson(writer =>
                {
                    writer.WriteStartArray();
                    foreach (var certificate in personal)
                    {
                        WritePersonal(writer, certificate);
                    }

                    writer.WriteEndArray();
                });
            }

            if (personal.Count == 0)
            {
                Console.WriteLine("The personal store is empty; import a certificate with 'rampart cert import FILE'.");
            }

            var now = TimeProvider.System.GetUtcNow();
            foreach (var entry in personal)
            {
                var certificate = entry.Certificate;
                Console.WriteLine($"Subject:     {certificate.Subject}");
                Console.WriteLine($"Issued by:   {certificate.Issuer}");
                Console.WriteLine($"Valid:       {Date(certificate.NotBefore)} to {Date(certificate.NotAfter)}{Validity(certificate, now)}");
                Console.WriteLine($"Serial:      {certificate.SerialNumber}");
                Console.WriteLine($"Key:         {CertificateKeyKinds.Describe(certificate)}");
                Console.WriteLine($"Thumbprint:  {entry.Thumbprint}");
                foreach (var intermediate in entry.Intermediates)
                {
                    Console.WriteLine($"Chain:       {intermediate.Subject}");
                }

                Console.WriteLine(entry.HasPrivateKey
                    ? $"{CertificateAssignmentCheck.PrivateKeyMessage}."
                    : "No private key corresponds to this certificate: IKE cannot use it.");
                Console.WriteLine();
            }

            return CliRunner.Success;
        });
        return command;
    }

    private static Command Delete()
    {
        var target = new Argument<string>("certificate") { Description = "Subject (DN or common name) or thumbprint (or its first 8+ hex digits)", HelpName = "SUBJECT|THUMBPRINT" };
        var command = new Command("delete", "Delete a personal certificate and its private key") { target };
        command.SetAction(parse =>
        {
            Cli.RequireStoreAccess("changing the certificate store");
            var store = CertificateStore.Open();
            var deleted = store.Delete(parse.GetValue(target)!);
            Console.WriteLine($"deleted {deleted.Certificate.Subject} (thumbprint {deleted.Thumbprint}){(deleted.HasPrivateKey ? " and its private key" : "")}");
            CertificateGate.WarnAboutAssignedPolicy(store);
            return CliRunner.Success;
        });
        return command;
    }

    private static Command Trust()
    {
        var file = new Argument<string>("file") { Description = "The CA certificate (PEM or DER)" };
        var name = new Option<string>("--name") { Description = "The name rules use in cert:NAME (default: the CA's common name)", HelpName = "NAME" };
        var command = new Command("trust", "Add a root CA to the trusted root store (only these are trusted)") { file, name };
        command.SetAction(parse =>
        {
            Cli.RequireStoreAccess("changing the certificate store");
            var path = parse.GetValue(file)!;
            var trusted = CertificateStore.Open().Trust(CertificateInputFile.Read(path), path, parse.GetValue(name));
            Console.WriteLine($"trusted '{trusted.Name}': {trusted.Certificate.Subject} (thumbprint {trusted.Thumbprint}); rules name it as --auth \"cert:{trusted.Name}\"");
            return CliRunner.Success;
        });
        return command;
    }

    private static Command Untrust()
    {
        var name = new Argument<string>("name") { Description = "The trusted CA's name, as 'rampart cert trusted' shows it" };
        var command = new Command("untrust", "Remove a CA from the trusted root store") { name };
        command.SetAction(parse =>
        {
            Cli.RequireStoreAccess("changing the certificate store");
            var store = CertificateStore.Open();
            var removed = store.Untrust(parse.GetValue(name)!);
            Console.WriteLine($"no longer trusting '{removed.Name}' ({removed.Certificate.Subject}); certificates it issued are now refused");
            CertificateGate.WarnAboutAssignedPolicy(store);
            return CliRunner.Success;
        });
        return command;
    }

    private static Command Trusted()
    {
        var json = Cli.JsonOption();
        var command = new Command("trusted", "List the trusted root CAs") { json };
        command.SetAction(parse =>
        {
            Cli.RequireStoreAccess("reading the certificate store");
            var trusted = CertificateStore.Open().LoadTrusted();
            if (parse.GetValue(json))
            {
                return Cli.WriteJson(writer =>
                {
                    writer.WriteStartArray();
                    foreach (var authority in trusted)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("name", authority.Name);
                        writer.WriteString("subject", authority.Certificate.Subject);
                        writer.WriteString("notBefore", authority.Certificate.NotBefore.ToUniversalTime());
                        writer.WriteString("notAfter", authority.Certificate.NotAfter.ToUniversalTime());
                        writer.WriteString("keyType", CertificateKeyKinds.Describe(authority.Certificate));
                        writer.WriteString("thumbprint", authority.Thumbprint);
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                });
            }

            if (trusted.Count == 0)
            {
                Console.WriteLine("The trusted root store is empty: no certificate is trusted. Add a CA with 'rampart cert trust FILE'.");
                return CliRunner.Success;
            }

            Cli.WriteTable(["NAME", "SUBJECT", "VALID UNTIL", "THUMBPRINT"],
                trusted.Select(a => new[] { a.Name, a.Certificate.Subject, Date(a.Certificate.NotAfter), a.Thumbprint }));
            return CliRunner.Success;
        });
        return command;
    }

    private static Command CrlCheck()
    {
        var level = new Argument<string?>("level") { Description = "0: no CRL checking (default); 1: fail only if a CRL says revoked; 2: also fail when no valid CRL can be had", Arity = ArgumentArity.ZeroOrOne };
        level.AcceptOnlyFromAmong("0", "1", "2");
        var command = new Command("crl-check", "Show or set how strictly certificate revocation lists are checked") { level };
        command.SetAction(parse =>
        {
            var store = CertificateStore.Open();
            if (parse.GetValue(level) is { } text)
            {
                Cli.RequireStoreAccess("changing the certificate store");
                var value = (CrlCheckLevel)int.Parse(text, CultureInfo.InvariantCulture);
                store.SaveCrlCheckLevel(value);
                Console.WriteLine($"CRL checking set to {Describe(value)}");
            }
            else
            {
                Cli.RequireStoreAccess("reading the certificate store");
                Console.WriteLine($"CRL checking: {Describe(store.LoadCrlCheckLevel())}");
            }

            return CliRunner.Success;
        });
        return command;
    }

    private static void WritePersonal(Utf8JsonWriter writer, PersonalCertificate entry)
    {
        var certificate = entry.Certificate;
        writer.WriteStartObject();
        writer.WriteString("subject", certificate.Subject);
        writer.WriteString("issuer", certificate.Issuer);
        writer.WriteString("notBefore", certificate.NotBefore.ToUniversalTime());
        writer.WriteString("notAfter", certificate.NotAfter.ToUniversalTime());
        writer.WriteString("serial", certificate.SerialNumber);
        writer.WriteString("keyType", CertificateKeyKinds.Describe(certificate));
        writer.WriteString("thumbprint", entry.Thumbprint);
        writer.WriteBoolean("hasPrivateKey", entry.HasPrivateKey);
        writer.WriteStartArray("chain");
        foreach (var intermediate in entry.Intermediates)
        {
            writer.WriteStringValue(intermediate.Subject);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static string Describe(CrlCheckLevel level) => level switch
    {
        CrlCheckLevel.None => "0 (no CRL is checked; the default)",
        CrlCheckLevel.RevokedOnly => "1 (a certificate fails only if a CRL says it is revoked)",
        _ => "2 (a certificate also fails when no valid CRL for it can be fetched)",
    };

    private static string Date(DateTime time) => time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    private static string Validity(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate, DateTimeOffset now) =>
        now.UtcDateTime > certificate.NotAfter.ToUniversalTime() ? "  (EXPIRED)"
        : now.UtcDateTime < certificate.NotBefore.ToUniversalTime() ? "  (NOT YET VALID)"
        : "";
}
