using Rampart.Credentials.Kerberos;

namespace Rampart.Credentials.Tests.Kerberos;

public sealed class KeytabTests
{
    [Fact]
    public void Entries_AreReadWithVersionsAndTypes()
    {
        var data = KeytabBuilder.Build(("host/a.rampart.test@RAMPART.TEST", 2, 18), ("host/a.rampart.test@RAMPART.TEST", 2, 17), ("host/c@RAMPART.TEST", 300, 18));

        var entries = Keytab.Entries(data);

        Assert.Equal(
            [new KeytabEntry("host/a.rampart.test@RAMPART.TEST", 2, 18), new KeytabEntry("host/a.rampart.test@RAMPART.TEST", 2, 17), new KeytabEntry("host/c@RAMPART.TEST", 300, 18)],
            entries);
        Assert.Equal(["host/a.rampart.test@RAMPART.TEST", "host/c@RAMPART.TEST"], Keytab.Principals(data));
    }

    [Fact]
    public void NotAKeytab_IsInvalidData()
    {
        Assert.Throws<InvalidDataException>(() => Keytab.Principals("root:x:0:0:root:/root:/bin/bash\n"u8));
        Assert.Throws<InvalidDataException>(() => Keytab.Principals([]));
    }

    [Fact]
    public void EveryTruncation_IsInvalidData_NeverAnotherException()
    {
        var data = KeytabBuilder.Build(("host/a.rampart.test@RAMPART.TEST", 2, 18));
        for (var length = 3; length < data.Length; length++)
        {
            var cut = data[..length];
            var error = Record.Exception(() => Keytab.Entries(cut));
            Assert.True(error is null or InvalidDataException, $"length {length}: {error}");
        }
    }

    [Fact]
    public void AHugeLength_IsInvalidData()
    {
        byte[] data = [5, 2, 0x7F, 0xFF, 0xFF, 0xFF, 0, 1];
        Assert.Throws<InvalidDataException>(() => Keytab.Entries(data));
    }
}
