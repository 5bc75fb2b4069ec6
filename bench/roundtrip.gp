# Round-trip cost against payload size, one line per mechanism: the frame.
# bench/run writes the data and the plot command after it:
#   gnuplot -e "output='roundtrip.png'" roundtrip.gp roundtrip-plot.gp
set terminal pngcairo size 1100,700 font ",11"
set output output
set title "Round trip against payload (QEMU -icount: guest instructions, one CPU)"
set xlabel "payload each way (bytes; 0 drawn at 1)"
set ylabel "instructions per round trip"
set logscale xy
set grid
set key outside right
