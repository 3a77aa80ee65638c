#!/bin/sh
# The test the OpenWrt packages feed's CI runs after installing each package built from this
# recipe (openwrt/actions-shared-workflows, .github/scripts/test_entrypoint.sh):
#   sh test.sh PKG_NAME PKG_VERSION      (the version without its -rN release)
# ddns-dc: the installed binary runs and `ddns-dc --version` prints exactly that version.
# Other packages: nothing to run.
case "$1" in
ddns-dc)
	out=$(ddns-dc --version 2>&1) || {
		echo "ddns-dc --version failed: $out"
		exit 1
	}
	case " $out " in
	*" $2 "*) echo "$out" ;;
	*)
		echo "ddns-dc --version printed '$out', not version $2"
		exit 1
		;;
	esac
	;;
*)
	exit 0
	;;
esac
