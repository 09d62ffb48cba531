# Perl: hashes of arrays and string building; output sorted, so stable.
use strict;
use warnings;

my %index;
for my $i (0 .. 19999) {
	push @{ $index{ $i % 97 } }, "item-$i" x 3;
}
my $total = 0;
$total += length($_) for map { @$_ } values %index;
printf "%d keys, %d bytes\n", scalar(keys %index), $total;
print join(",", (sort { $a <=> $b } keys %index)[0 .. 4]), "\n";
