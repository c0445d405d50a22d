"""Digital quitclaims: invitations, signing, withdrawal and expiry, the consent status of
faces, the manage-my-consent portal and the signed PDF."""
